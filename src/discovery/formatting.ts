import { redactUri } from '../errors.js';
import { checkDeviceUrl, preferRoutable, shownText, type CheckedUrl } from './deviceUrl.js';
import type { CameraProbe, MediaProfile } from './onvifTypes.js';
import type { DiscoveredDevice } from './wsDiscoveryMessages.js';

// Plain-text renderings for the technician's terminal. Every URI printed goes through redactUri:
// some firmwares embed their own user and password in the stream URIs they return.

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** The `discover` result table: address, manufacturer/model, name, EPR. */
export function discoveryTable(devices: DiscoveredDevice[]): string {
  const rows = [['ADDRESS', 'MANUFACTURER/MODEL', 'NAME', 'EPR']];
  for (const d of devices) {
    const mm = [d.info.manufacturer, d.info.model].filter(Boolean).join(' ') || '?';
    rows.push([shownText(deviceHost(d), 60), shownText(mm, 60), shownText(d.info.name || '-', 60), shownText(d.epr, 80)]);
  }
  return table(rows);
}

/** host[:port] of the first routable usable XAddr, else the address the answer came from. */
function deviceHost(d: DiscoveredDevice): string {
  const urls = d.xaddrs.map(checkDeviceUrl).flatMap((c) => (c.ok ? [c.url] : []));
  const url: CheckedUrl | undefined = preferRoutable(urls)[0];
  if (!url) return d.addresses[0] ?? '?';
  return new URL(url.href).host;
}

function profileRow(p: MediaProfile): string[] {
  return [
    shownText(p.token, 40),
    shownText(p.name, 40),
    shownText(p.encoding, 16),
    `${p.width}x${p.height}`,
    p.fps === undefined ? '?' : String(p.fps),
    p.service,
    p.streamUri === undefined ? '(refused)' : shownText(redactUri(p.streamUri), 200),
  ];
}

/** The `camera probe` report. */
export function probeReport(p: CameraProbe): string {
  const d = p.device;
  const lines = [
    `device      ${redactUri(p.deviceUrl)}`,
    `camera      ${shownText(`${d.manufacturer} ${d.model}`, 120)} (firmware ${shownText(d.firmwareVersion || '?', 60)}, serial ${shownText(d.serialNumber || '?', 60)})`,
    `clock       ${clockLine(p)}`,
    `auth        ${p.auth}`,
    `services    ${Object.keys(p.services).join(', ')}`,
    '',
  ];
  const rows = [['PROFILE', 'NAME', 'CODEC', 'SIZE', 'FPS', 'SERVICE', 'RTSP URI'], ...p.profiles.map(profileRow)];
  const snaps = p.profiles.filter((x) => x.snapshotUri).map((x) => `snapshot    ${shownText(x.token, 40)}: ${shownText(redactUri(x.snapshotUri!), 200)}`);
  return lines.join('\n') + table(rows) + (snaps.length ? `\n${snaps.join('\n')}\n` : '');
}

function clockLine(p: CameraProbe): string {
  if (p.clock === 'unavailable') return 'camera did not give its time (not compensated)';
  const s = Math.abs(Math.round(p.clockOffsetMs / 1000));
  const zone = p.clock === 'local' ? ', read from its local time and zone' : p.clock === 'local-unknown-zone' ? ', read from its local time as UTC (no zone given)' : '';
  return `camera is ${s} s ${p.clockOffsetMs >= 0 ? 'ahead of' : 'behind'} this gateway (compensated${zone})`;
}

/** The probe as JSON for `--json`: the same data, every URI without credentials. */
export function probeJson(p: CameraProbe): string {
  const profiles = p.profiles.map((x) => ({
    ...x,
    ...(x.streamUri !== undefined ? { streamUri: redactUri(x.streamUri) } : {}),
    ...(x.snapshotUri !== undefined ? { snapshotUri: redactUri(x.snapshotUri) } : {}),
  }));
  return `${JSON.stringify({ ...p, deviceUrl: redactUri(p.deviceUrl), profiles }, null, 2)}\n`;
}
