// Alerts from two runs, reduced to what must not differ between architectures: the rule, kind,
// label, zone or line, when (relative to the run's first alert, to a frame at 5 fps) and, for count
// summaries, the counts. Scores, boxes and speeds may differ in their last digits. Track numbers are
// left out: they count every track ever opened, and a detection near the score threshold in a frame
// that raises nothing (a flicker on one architecture, not on the other) shifts every later number.

/** One alert as compared: a line of text, so a difference reads side by side. */
export type AlertRow = string;

/**
 * Rows from alerts as `replay` prints them (long keys, time as ISO text) or as they travel over
 * MQTT (compact keys, ts in ms; docs/mqtt.md). Sorted by time, then text.
 */
export function alertRows(alerts: Record<string, unknown>[]): AlertRow[] {
  const parsed = alerts.map((a) => {
    const compact = 'r' in a;
    const pick = (long: string, short: string) => (compact ? a[short] : a[long]);
    const ts = compact ? Number(a['ts']) : Date.parse(String(a['time']));
    const data = (pick('data', 'd') ?? {}) as Record<string, unknown>;
    const counts = Object.entries(data)
      .filter(([k]) => /_(left_to_right|right_to_left)$|^total$/.test(k))
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    const fields = [pick('rule', 'r'), pick('kind', 'k'), pick('label', 'l') ?? '-', pick('zone', 'z') ?? pick('line', 'n') ?? '-', counts];
    return { ts, text: fields.filter((f) => f !== '').join(' ') };
  });
  const t0 = Math.min(...parsed.map((p) => p.ts));
  return parsed
    .map((p) => `+${(Math.round((p.ts - t0) / 200) * 0.2).toFixed(1)}s ${p.text}`)
    .sort((x, y) => parseFloat(x.slice(1)) - parseFloat(y.slice(1)) || x.localeCompare(y));
}

/** Two lists of rows as two columns, differing rows marked, for a failure message. */
export function sideBySide(leftName: string, left: AlertRow[], rightName: string, right: AlertRow[]): string {
  const width = Math.max(leftName.length, ...left.map((r) => r.length));
  const lines = [`  ${leftName.padEnd(width)} | ${rightName}`];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const l = left[i] ?? '';
    const r = right[i] ?? '';
    lines.push(`${l === r ? ' ' : '≠'} ${l.padEnd(width)} | ${r}`);
  }
  return `alerts differ between architectures:\n${lines.join('\n')}`;
}
