// `edge-agent doctor`: independent checks, run concurrently, each bounded by its own timeout, each
// giving one or more rows of pass/warn/fail with the remedy. Rows never carry a secret.

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** One row of the doctor's table. */
export interface CheckRow {
  /** Short name, e.g. "gstreamer", "model yolox-nano-int8", "camera street-1". */
  check: string;
  status: CheckStatus;
  /** What was found (versions, paths, figures); never a password. */
  detail: string;
  /** What to do about a warn or fail. */
  remedy?: string;
}

/** A check. `run` must stop its work (processes, sockets) when `signal` aborts. */
export interface Check {
  /** Name used for the row when the check times out or throws. */
  name: string;
  /** Bound on this check, ms. */
  timeoutMs: number;
  run(signal: AbortSignal): Promise<CheckRow[]>;
}

export const row = (check: string, status: CheckStatus, detail: string, remedy?: string): CheckRow =>
  remedy === undefined ? { check, status, detail } : { check, status, detail, remedy };

/** Runs every check at once; a check that times out or throws becomes a fail row. Order is kept. */
export async function runChecks(checks: Check[]): Promise<CheckRow[]> {
  const results = await Promise.all(checks.map((c) => bounded(c)));
  return results.flat();
}

async function bounded(c: Check): Promise<CheckRow[]> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckRow[]>((resolve) => {
    timer = setTimeout(() => {
      ac.abort();
      resolve([row(c.name, 'fail', `no answer within ${c.timeoutMs / 1000} s`, 'see the other rows; check the network, or run doctor again')]);
    }, c.timeoutMs);
  });
  try {
    return await Promise.race([c.run(ac.signal), timeout]);
  } catch (err) {
    return [row(c.name, 'fail', `check failed: ${(err as Error).message.split('\n')[0]}`)];
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

/** The table: one line per row, columns padded; the remedy follows a warn or fail. */
export function formatTable(rows: CheckRow[]): string {
  const w = Math.min(44, Math.max(5, ...rows.map((r) => r.check.length)));
  const lines = [`${'CHECK'.padEnd(w)}  STATUS  DETAIL`];
  for (const r of rows) {
    const fix = r.remedy && (r.status === 'warn' || r.status === 'fail') ? `  → ${r.remedy}` : '';
    lines.push(`${r.check.padEnd(w)}  ${r.status.toUpperCase().padEnd(6)}  ${r.detail}${fix}`);
  }
  const count = (s: CheckStatus) => rows.filter((r) => r.status === s).length;
  lines.push('', `${count('pass')} pass, ${count('warn')} warn, ${count('fail')} fail, ${count('skip')} skipped`);
  return `${lines.join('\n')}\n`;
}
