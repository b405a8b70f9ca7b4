import { row, type Check } from './check.js';
import { runCommand } from './run.js';

// The installed service's own state, when systemd runs this machine: is the unit there, and is it
// running? Skipped where there is no systemctl or no systemd (containers, a laptop test).

export function serviceCheck(unit = 'edge-agent'): Check {
  return {
    name: 'service',
    timeoutMs: 4000,
    async run(signal) {
      const show = await runCommand('systemctl', ['show', unit, '--property=LoadState,ActiveState,SubState,NRestarts', '--no-pager'], signal);
      if (show.missing) return [row('service', 'skip', 'no systemctl on this machine')];
      if (show.code !== 0) return [row('service', 'skip', `systemd does not answer: ${firstLine(show.stderr)}`)];
      const p = Object.fromEntries(show.stdout.split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
      if (p['LoadState'] === 'not-found') return [row('service', 'skip', `${unit}.service is not installed`)];
      const state = `${p['ActiveState']} (${p['SubState']})${p['NRestarts'] && p['NRestarts'] !== '0' ? `, ${p['NRestarts']} restart(s)` : ''}`;
      if (p['ActiveState'] === 'active') return [row('service', 'pass', `${unit}: ${state}`)];
      if (p['ActiveState'] === 'failed' || p['ActiveState'] === 'activating') {
        return [row('service', 'fail', `${unit}: ${state}`, `journalctl -u ${unit} -n 50 shows why; fix it, then systemctl restart ${unit}`)];
      }
      return [row('service', 'warn', `${unit}: ${state}`, `systemctl enable --now ${unit}`)];
    },
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
