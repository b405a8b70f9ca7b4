import type { CameraProbe, MediaProfile } from './onvifTypes.js';
import type { DiscoveredDevice } from './wsDiscoveryMessages.js';

// Plain-text renderings for the technician's terminal. Never given credentials: URIs here come
// straight from the camera, which returns them without a password.

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** The `discover` result table: address, manufacturer/model, name, EPR. */
export function discoveryTable(devices: DiscoveredDevice[]): string {
  const rows = [['ADDRESS', 'MANUFACTURER/MODEL', 'NAME', 'EPR']];
  for (const d of devices) {
    const host = d.xaddrs[0] ? new URL(d.xaddrs[0]).host : (d.addresses[0] ?? '?');
    const mm = [d.info.manufacturer, d.info.model].filter(Boolean).join(' ') || '?';
    rows.push([host, mm, d.info.name || '-', d.epr]);
  }
  return table(rows);
}

function profileRow(p: MediaProfile): string[] {
  return [
    p.token,
    p.name,
    p.encoding,
    `${p.width}x${p.height}`,
    p.fps === undefined ? '?' : String(p.fps),
    p.service,
    p.streamUri ?? '(refused)',
  ];
}

/** The `camera probe` report. */
export function probeReport(p: CameraProbe): string {
  const d = p.device;
  const lines = [
    `device      ${p.deviceUrl}`,
    `camera      ${d.manufacturer} ${d.model} (firmware ${d.firmwareVersion || '?'}, serial ${d.serialNumber || '?'})`,
    `clock       camera is ${Math.abs(Math.round(p.clockOffsetMs / 1000))} s ${p.clockOffsetMs >= 0 ? 'ahead of' : 'behind'} this gateway (compensated)`,
    `auth        ${p.auth}`,
    `services    ${Object.keys(p.services).join(', ')}`,
    '',
  ];
  const rows = [['PROFILE', 'NAME', 'CODEC', 'SIZE', 'FPS', 'SERVICE', 'RTSP URI'], ...p.profiles.map(profileRow)];
  const snaps = p.profiles.filter((x) => x.snapshotUri).map((x) => `snapshot    ${x.token}: ${x.snapshotUri}`);
  return lines.join('\n') + table(rows) + (snaps.length ? `\n${snaps.join('\n')}\n` : '');
}
