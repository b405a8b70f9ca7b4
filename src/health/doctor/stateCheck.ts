import { existsSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Config } from '../../config/schema.js';
import { checkStateAccess } from '../../config/stateAccess.js';
import { describeOrigin, statePaths } from '../../config/statePaths.js';
import { row, type Check, type CheckRow } from './check.js';

// The outbox and snapshot folders as the user the doctor runs as (run it as the service user,
// `sudo -u edge-agent edge-agent doctor`, for the service's view) and the disk space under them.

const MB = 1024 * 1024;
/** Below this the outbox cannot take a day of alerts on a busy site. */
const CRITICAL_MB = 50;

export function stateCheck(config: Config, configFile: string): Check {
  return {
    name: 'state',
    timeoutMs: 4000,
    async run() {
      const problems = checkStateAccess(config, configFile);
      const rows: CheckRow[] = [];
      for (const p of statePaths(config)) {
        const label = p.setting === 'outbox.path' ? 'state outbox' : 'state snapshots';
        const bad = problems.filter((q) => q.setting === p.setting);
        if (bad.length > 0) rows.push(row(label, 'fail', bad.map((q) => `${q.path} ${q.problem}`).join('; '), bad[0]!.remedy));
        else rows.push(row(label, 'pass', `${p.path} writable (${describeOrigin(p.origin)})`));
      }
      for (const q of problems.filter((x) => x.setting === 'secrets_file')) rows.push(row('secrets file', 'fail', `${q.path} ${q.problem}`, q.remedy));
      rows.push(diskRow(config));
      return rows;
    },
  };
}

/** Free space where the outbox lives, against what the configured limits may take. */
function diskRow(config: Config): CheckRow {
  let dir = dirname(config.outbox.path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const fs = statfsSync(dir);
  const freeMb = Math.floor((fs.bavail * fs.bsize) / MB);
  const needMb = Math.ceil(config.outbox.maxDbMb + config.storage.snapshotMaxMb);
  const detail = `${freeMb} MB free under ${dir} (outbox.max_db_mb + storage.snapshot_max_mb = ${needMb} MB)`;
  if (freeMb < CRITICAL_MB) return row('disk free', 'fail', detail, 'free disk space: alerts cannot be stored');
  if (freeMb < needMb) return row('disk free', 'warn', detail, 'free space, or lower outbox.max_db_mb and storage.snapshot_max_mb to fit the disk');
  return row('disk free', 'pass', detail);
}
