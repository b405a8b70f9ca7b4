import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverCameras } from '../../../src/discovery/wsDiscovery.js';
import type { DiscoveredDevice } from '../../../src/discovery/wsDiscoveryMessages.js';
import { startCameraSim, type CameraSim } from '../../helpers/cameraSim/cameraSim.js';
import { createLab, netnsUnavailable, type Lab, type LineProcess } from '../../helpers/cameraSim/netns.js';
import { runCameraCli } from './cli.js';
import { freeUdpPort } from '../../helpers/ports.js';
import { render } from '../../helpers/cameraSim/templates.js';
import { child, parseXml, text } from '../../../src/discovery/xml.js';

// WS-Discovery over real UDP multicast between network namespaces: a gateway with two LAN
// interfaces, a Hikvision-like camera on one and a Dahua-like camera on the other.

const TSX = ['node', '--import', 'tsx'];
const EPR_A = 'urn:uuid:8a1e6f40-0000-4000-8000-00000000000a';
const EPR_B = 'urn:uuid:8a1e6f40-0000-4000-8000-00000000000b';

const unavailable = netnsUnavailable();
let lab: Lab | undefined;
const procs: LineProcess[] = [];

function startSim(lab: Lab, index: number, vendor: string, epr: string, extra: string[] = []): Promise<LineProcess> {
  const cam = lab.cameras[index]!;
  const p = lab.spawnIn(cam.ns, [...TSX, 'scripts/camera-sim.ts', '--vendor', vendor, '--host', cam.ip, '--http-port', '8080', '--discovery', '--verbose', '--epr', epr, ...extra]);
  procs.push(p);
  return p.waitFor(/^READY /).then(() => p);
}

async function discoverIn(lab: Lab, rounds: number): Promise<DiscoveredDevice[]> {
  const p = lab.spawnIn(lab.client, [...TSX, 'test/helpers/cameraSim/discoveryClient.ts', 'discover', String(rounds), '2500']);
  procs.push(p);
  return JSON.parse(await p.waitFor(/^\[/)) as DiscoveredDevice[];
}

describe('discovery between network namespaces', () => {
  beforeAll(async () => {
    if (unavailable) return;
    lab = createLab(2);
    await startSim(lab, 0, 'hik', EPR_A, ['--drop-probes', '1']);
    await startSim(lab, 1, 'dahua', EPR_B);
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    lab?.destroy();
  });

  it('finds both vendors on two interfaces although the first Probe is lost', async (ctx) => {
    if (unavailable) {
      console.warn(`discovery over namespaces skipped: ${unavailable}; the loopback unicast test still runs`);
      ctx.skip(`network namespaces unavailable: ${unavailable}`);
    }
    const found = await discoverIn(lab!, 3);
    expect(found.map((d) => [d.epr, d.xaddrs[0], d.info.manufacturer, d.info.model])).toEqual([
      [EPR_A, 'http://10.77.1.10:8080/onvif/device_service', 'HIKVISION', 'DS-2CD2143G2-I'],
      [EPR_B, 'http://10.77.2.10:8080/onvif/device_service', 'Dahua', 'IPC-HFW2431S-S-S2'],
    ]);
    // Two interfaces × three rounds reached camera A on its link: the first Probe was dropped, and
    // one EPR is reported once however many answers came.
    expect(procs[0]!.lines.filter((l) => l.startsWith('PROBE dropped'))).toHaveLength(1);
    expect(procs[0]!.lines.filter((l) => l.startsWith('PROBE answered')).length).toBeGreaterThanOrEqual(1);
  });

  it('notices a known camera announcing itself from a new address (same EPR)', async (ctx) => {
    if (unavailable) ctx.skip(`network namespaces unavailable: ${unavailable}`);
    const listener = lab!.spawnIn(lab!.client, [...TSX, 'test/helpers/cameraSim/discoveryClient.ts', 'listen', 'junction-2', EPR_A, 'http://10.77.1.10:8080/onvif/device_service']);
    procs.push(listener);
    await listener.waitFor(/^LISTENING$/);
    await procs[0]!.stop(); // SIGTERM: the camera says Bye
    await listener.waitFor(/"bye"/);
    lab!.readdress(0, '10.77.1.20');
    await startSim(lab!, 0, 'hik', EPR_A);
    const moved = JSON.parse(await listener.waitFor(/"xaddr"/)) as Record<string, unknown>;
    expect(moved).toMatchObject({
      cameraId: 'junction-2',
      epr: EPR_A,
      xaddr: 'http://10.77.1.20:8080/onvif/device_service',
      previousXAddr: 'http://10.77.1.10:8080/onvif/device_service',
      address: '10.77.1.20',
    });
    expect(JSON.parse(listener.lines.find((l) => l.includes('"bye"'))!)).toEqual({ bye: { epr: EPR_A, cameraId: 'junction-2' } });
  });
});

describe('unicast discovery on loopback', () => {
  const sims: CameraSim[] = [];
  let port = 0;
  beforeAll(async () => {
    port = await freeUdpPort();
    sims.push(await startCameraSim({ vendor: 'hik', discovery: { port, dropProbes: 1 } }));
  });
  afterAll(async () => Promise.all(sims.map((s) => s.stop())));

  it('finds a camera by unicast Probe to a host, retrying after a lost datagram', async () => {
    const found = await discoverCameras({ unicast: ['127.0.0.1'], port, interfaces: [], timeoutMs: 1500, rounds: 3 });
    expect(found.map((d) => [d.epr, d.xaddrs[0]])).toEqual([[sims[0]!.epr, sims[0]!.deviceUrl]]);
    expect(sims[0]!.responder?.dropped).toBe(1);
  });

  it('the discover command prints a table, or JSON', async () => {
    const table = await runCameraCli(['discover', '--timeout', '1', '--unicast', '127.0.0.1'], {}, port);
    expect(table.out).toMatch(/^ADDRESS\s+MANUFACTURER\/MODEL\s+NAME\s+EPR\n127\.0\.0\.1:\d+\s+HIKVISION DS-2CD2143G2-I\s+HIKVISION DS-2CD2143G2-I\s+urn:uuid:/);
    const json = await runCameraCli(['discover', '--json', '--timeout', '1', '--unicast', '127.0.0.1/32'], {}, port);
    expect((JSON.parse(json.out) as DiscoveredDevice[])[0]!.epr).toBe(sims[0]!.epr);
    const bad = await runCameraCli(['discover', '--unicast', '10.0.0.0/8'], {}, port);
    expect(bad.code).toBe(64);
    expect(bad.err).toMatch(/too large/);
  });
});

describe('discover with answers a firmware got wrong', () => {
  it('keeps the table when a camera lists XAddrs "/x", and shows a routable address before a link-local one', async () => {
    const port = await freeUdpPort();
    const socket = createSocket('udp4');
    const answers: [string, string][] = [
      ['urn:uuid:00000000-0000-4000-8000-0000000000c1', '/x'],
      ['urn:uuid:00000000-0000-4000-8000-0000000000c2', 'http://169.254.7.7/onvif/device_service http://127.0.0.1:8081/onvif/device_service'],
    ];
    socket.on('message', (m, rinfo) => {
      const relatesTo = text(child(parseXml(m.toString()), 'Envelope', 'Header'), 'MessageID') ?? '';
      for (const [epr, xaddr] of answers) {
        const reply = render('common', 'ProbeMatches', { messageId: 'a', relatesTo, epr, xaddr, metadataVersion: 1, scopes: 'onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/Odd' });
        socket.send(Buffer.from(reply), rinfo.port, rinfo.address);
      }
    });
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', () => resolve()));
    try {
      const r = await runCameraCli(['discover', '--timeout', '1', '--unicast', '127.0.0.1'], {}, port);
      expect(r.code).toBe(0);
      const rows = r.out.trim().split('\n');
      expect(rows).toHaveLength(3);
      expect(r.out).toMatch(/\n127\.0\.0\.1\s+\?\s+Odd\s+urn:uuid:0+-0000-4000-8000-0+c1/);
      expect(r.out).toMatch(/\n127\.0\.0\.1:8081\s+\?\s+Odd\s+urn:uuid:0+-0000-4000-8000-0+c2/);
      expect(r.out + r.err).not.toMatch(/TypeError|Invalid URL|169\.254/);
      const json = await runCameraCli(['discover', '--json', '--timeout', '1', '--unicast', '127.0.0.1'], {}, port);
      const devices = JSON.parse(json.out) as DiscoveredDevice[];
      expect(devices.find((d) => d.epr.endsWith('c2'))?.info.profiles).toEqual(['Streaming']);
    } finally {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    }
  });
});
