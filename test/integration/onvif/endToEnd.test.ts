import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveredDevice } from '../../../src/discovery/wsDiscoveryMessages.js';
import { startCameraSim, type CameraSim } from '../../helpers/cameraSim/cameraSim.js';
import { jsonLines, runCli, STREET, tempDir } from '../../helpers/media.js';
import { startRtspServer, type RtspServer } from '../../helpers/rtspServer.js';
import { runCameraCli } from './cli.js';
import { freeUdpPort } from '../../helpers/ports.js';

// The technician's whole workflow against a simulated camera: discover, add, test, run; then the
// camera's RTSP service restarts and the agent recovers without help.

const PASSWORD = 'field-pass-7';

describe('technician workflow, end to end', () => {
  let rtsp: RtspServer;
  let sim: CameraSim;
  let discoveryPort: number;
  const dir = tempDir('edge-agent-e2e-');
  const config = join(dir, 'site.yaml');

  beforeAll(async () => {
    rtsp = await startRtspServer(STREET);
    discoveryPort = await freeUdpPort();
    sim = await startCameraSim({
      vendor: 'dahua',
      password: PASSWORD,
      rtsp: { h264: rtsp.url('h264'), h265: rtsp.url('h265') },
      discovery: { port: discoveryPort },
    });
    writeFileSync(config, `# Roadside cabinet 12
gateway: { id: gw-e2e, province: hn, commune: c1 }
logging: { level: debug }
outbox: { path: outbox.db }
storage: { snapshot_dir: snaps }
cameras:
  # placeholder until the site camera is added
  - id: bench-clip
    enabled: false
    source: file://${STREET}
`);
  });
  afterAll(async () => {
    await sim?.stop();
    await rtsp?.stop();
  });

  it('discovers the camera, adds it with its password kept out of the config, tests it and runs it through an RTSP restart', async () => {
    const found = await runCameraCli(['discover', '--json', '--timeout', '1', '--unicast', '127.0.0.1'], {}, discoveryPort);
    expect(found.code, found.err).toBe(0);
    const device = (JSON.parse(found.out) as DiscoveredDevice[]).find((d) => d.epr === sim.epr)!;
    expect(device).toBeDefined();
    const host = new URL(device.xaddrs[0]!).host;

    process.env['E2E_CAM_PW'] = PASSWORD;
    const added = await runCameraCli(['camera', 'add', '--config', config, '--id', 'junction-1', '--host', host, '--user', 'admin', '--password-env', 'E2E_CAM_PW', '--epr', device.epr]);
    expect(added.code, added.err).toBe(0);
    const text = readFileSync(config, 'utf8');
    expect(text).toContain('# Roadside cabinet 12');
    expect(text).not.toContain(PASSWORD);
    expect(readFileSync(join(dir, 'secrets.yaml'), 'utf8')).toContain(PASSWORD);
    expect((await runCli(['config', 'validate', config])).code).toBe(0);

    const snapshot = join(dir, 'test.jpg');
    const tested = await runCli(['camera', 'test', 'junction-1', '--config', config, '--seconds', '4', '--snapshot', snapshot]);
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/camera junction-1: H\.264 \(\S*h264\S*\) 768x576, decoded \d+(\.\d)? fps/);
    expect(tested.stdout).toMatch(/inference \d+(\.\d)? ms\/frame/);
    expect(tested.stdout).toMatch(/this gateway carries about \d+ camera\(s\) like this at 5 detect fps/);
    expect(existsSync(snapshot) && statSync(snapshot).size).toBeGreaterThan(5000);
    expect(readFileSync(snapshot).subarray(0, 2).toString('hex')).toBe('ffd8'); // JPEG
    expect(tested.stdout + tested.stderr).not.toContain(PASSWORD);

    let phase: 'before' | 'restarting' | 'after' = 'before';
    const run = await runCli(['run', '--config', config], {
      onSpawn: (kill, out) => {
        const poll = setInterval(() => {
          const text = out();
          const detections = (text.match(/"camera":"junction-1".*?"msg":"detections"/g) ?? []).length;
          if (phase === 'before' && detections >= 3) {
            phase = 'restarting';
            void rtsp.restart().then(() => (phase = 'after'));
          } else if (phase === 'after' && /"msg":"camera offline"/.test(text)) {
            const afterOffline = text.slice(text.lastIndexOf('"msg":"camera offline"'));
            if ((afterOffline.match(/"msg":"detections"/g) ?? []).length >= 3) {
              clearInterval(poll);
              kill('SIGTERM');
            }
          }
        }, 200);
      },
    });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const logs = jsonLines<{ msg: string; camera?: string; detections?: { label: string }[] }>(run.stderr);
    const online = logs.filter((l) => l.msg === 'camera online' && l.camera === 'junction-1');
    expect(online.length).toBeGreaterThanOrEqual(2); // before and after the restart
    expect(logs.some((l) => l.msg === 'camera offline')).toBe(true);
    expect(logs.filter((l) => l.msg === 'detections').flatMap((l) => l.detections!).some((d) => d.label === 'person')).toBe(true);
    expect(run.stderr).not.toContain(PASSWORD);
  });
});
