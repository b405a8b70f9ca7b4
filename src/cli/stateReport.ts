import { checkStateAccess, whoAmI, type AccessProblem } from '../config/stateAccess.js';
import type { Config } from '../config/schema.js';
import { describeOrigin, statePaths } from '../config/statePaths.js';

/** Lines of `config validate` saying where the state goes and why. */
export function stateLines(config: Config): string {
  return statePaths(config)
    .map((p) => `  ${p.setting === 'outbox.path' ? 'outbox   ' : 'snapshots'} ${p.path} (${describeOrigin(p.origin)})\n`)
    .join('');
}

/** The access problems as `edge-agent:` lines on stderr, each with its fix; empty when none. */
export function accessReport(config: Config, configFile: string): { text: string; problems: AccessProblem[] } {
  const problems = checkStateAccess(config, configFile);
  if (problems.length === 0) return { text: '', problems };
  const lines = problems.map((p) => `  ${p.setting}: ${p.path} ${p.problem}\n    fix: ${p.remedy}\n`);
  return { text: `edge-agent: ${configFile}: user ${whoAmI().user} cannot use what this config names:\n${lines.join('')}`, problems };
}
