import type { AlertQuery, AlertRow } from './centralStore.js';

// The one HTML page: gateways and the latest alerts, no script, every value escaped (alert bodies
// come from gateways, and an id or a rule name could carry markup).

export function escapeHtml(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const time = (ts: unknown) => (typeof ts === 'number' ? new Date(ts).toISOString().replace('T', ' ').slice(0, 19) : '');

function row(cells: unknown[]): string {
  return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
}

export function alertsPage(gateways: Record<string, unknown>[], alerts: (Omit<AlertRow, 'body'> & { body: unknown })[], q: AlertQuery): string {
  const gw = gateways.map((g) => {
    const cams = Object.entries((g['cameras'] as Record<string, { online: boolean }>) ?? {}).map(([id, c]) => `${id}: ${c.online ? 'online' : 'offline'}`);
    const gaps = (g['open_gaps'] as { from: number; to: number }[]).map((x) => `${x.from}..${x.to}`);
    return row([g['id'], g['state'], cams.join(', '), time(g['last_seen_ts']), g['lag_ms'], g['last_seq'], gaps.join(', ')]);
  });
  const al = alerts.map((a) => {
    const b = (a.body ?? {}) as Record<string, unknown>;
    return row([time(a.ts), a.commune, a.gateway, a.camera, a.kind, b['r'], b['l'], a.seq, a.id]);
  });
  const title = q.commune !== undefined ? `Alerts of ${q.commune}` : 'Alerts';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse;margin-bottom:2em}td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}</style></head>
<body><h1>Gateways</h1>
<table id="gateways"><tr><th>Gateway</th><th>State</th><th>Cameras</th><th>Last seen (UTC)</th><th>Lag ms</th><th>Last seq</th><th>Open gaps</th></tr>${gw.join('')}</table>
<h1>${escapeHtml(title)}</h1>
<table id="alerts"><tr><th>Time (UTC)</th><th>Commune</th><th>Gateway</th><th>Camera</th><th>Kind</th><th>Rule</th><th>Label</th><th>Seq</th><th>Id</th></tr>${al.join('')}</table>
</body></html>
`;
}
