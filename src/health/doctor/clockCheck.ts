import { row, type Check, type CheckRow } from './check.js';
import { runCommand } from './run.js';

// Alert times are evidence: the clock must follow NTP. The offset comes from systemd-timesyncd
// (`timedatectl timesync-status`) or chrony (`chronyc tracking`), whichever answers.

/** Above this offset, alert times are too far off to be trusted. */
const MAX_OFFSET_S = 1;

const UNIT_S: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, min: 60 };

/** Offset in seconds from `timedatectl timesync-status` ("Offset: -1.234ms"), if present. */
export function parseTimesyncOffset(text: string): number | undefined {
  const m = /^\s*Offset:\s*([+-]?\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|min)\b/m.exec(text);
  return m ? Number(m[1]) * UNIT_S[m[2]!]! : undefined;
}

/** Offset in seconds and whether chrony is synchronised, from `chronyc tracking`. */
export function parseChronyTracking(text: string): { offsetS: number; synced: boolean } | undefined {
  const m = /^System time\s*:\s*(\d+(?:\.\d+)?) seconds (fast|slow) of NTP time/m.exec(text);
  if (!m) return undefined;
  const synced = !/^Leap status\s*:\s*Not synchronised/m.test(text);
  return { offsetS: Number(m[1]) * (m[2] === 'fast' ? 1 : -1), synced };
}

/** The row for a known offset (or none). */
export function clockRow(source: string | undefined, offsetS: number | undefined, synced = true): CheckRow {
  if (source === undefined || offsetS === undefined) {
    return row('clock', 'warn', 'NTP offset unknown: neither systemd-timesyncd nor chrony answered', 'enable time sync (apt install systemd-timesyncd, or chrony); alert times are evidence');
  }
  const detail = `${source}: offset ${formatOffset(offsetS)}${synced ? '' : ', not synchronised'}`;
  if (!synced || Math.abs(offsetS) > MAX_OFFSET_S) {
    return row('clock', 'warn', detail, 'check the NTP servers can be reached (timedatectl timesync-status / chronyc sources)');
  }
  return row('clock', 'pass', detail);
}

function formatOffset(s: number): string {
  const a = Math.abs(s);
  const sign = s < 0 ? '-' : '+';
  return a >= 1 ? `${sign}${a.toFixed(3)} s` : a >= 1e-3 ? `${sign}${(a * 1e3).toFixed(1)} ms` : `${sign}${(a * 1e6).toFixed(0)} µs`;
}

export function clockCheck(): Check {
  return {
    name: 'clock',
    timeoutMs: 4000,
    async run(signal) {
      const [timesync, chrony] = await Promise.all([
        runCommand('timedatectl', ['timesync-status', '--no-pager'], signal),
        runCommand('chronyc', ['-n', 'tracking'], signal),
      ]);
      const tracking = chrony.code === 0 ? parseChronyTracking(chrony.stdout) : undefined;
      if (tracking) return [clockRow('chrony', tracking.offsetS, tracking.synced)];
      const offset = timesync.code === 0 ? parseTimesyncOffset(timesync.stdout) : undefined;
      if (offset !== undefined) return [clockRow('systemd-timesyncd', offset)];
      return [clockRow(undefined, undefined)];
    },
  };
}
