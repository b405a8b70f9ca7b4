import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, netnsUnavailable, type Lab, type LineProcess } from '../../helpers/cameraSim/netns.js';

// An independent ONVIF client (libonvif's onvif-util, Debian package onvif-tools) must find the
// simulator by multicast and read its profiles and stream URI: proof the simulator is not shaped
// to our own client's expectations only.

const ONVIF_UTIL = '/usr/bin/onvif-util';
const missing = !existsSync(ONVIF_UTIL) ? 'onvif-util is not installed (apt-get install onvif-tools)' : netnsUnavailable();
let lab: Lab | undefined;
const procs: LineProcess[] = [];

function onvifUtil(lab: Lab, args: string[], input = ''): string {
  const r = spawnSync('ip', ['netns', 'exec', lab.client, ONVIF_UTIL, ...args], { input, timeout: 60_000 });
  return `${r.stdout.toString()}${r.stderr.toString()}`;
}

describe.each(['hik', 'dahua'])('onvif-util against the %s simulator', (vendor) => {
  beforeAll(async () => {
    if (missing) return;
    lab = createLab(1);
    const cam = lab.cameras[0]!;
    const sim = lab.spawnIn(cam.ns, ['node', '--import', 'tsx', 'scripts/camera-sim.ts', '--vendor', vendor, '--host', cam.ip,
      '--http-port', '80', '--discovery', '--rtsp-h264', `rtsp://${cam.ip}:554/h264`, '--rtsp-h265', `rtsp://${cam.ip}:554/h265`]);
    procs.push(sim);
    await sim.waitFor(/^READY /);
  });

  afterAll(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
    lab?.destroy();
  });

  it('finds it, logs in and reads profiles and the stream URI', (ctx) => {
    if (missing) {
      console.warn(`onvif-util check skipped: ${missing}`);
      ctx.skip(missing);
    }
    const ip = lab!.cameras[0]!.ip;
    expect(onvifUtil(lab!, ['-a'])).toMatch(new RegExp(`Found 1 camera[\\s\\S]*${ip.replace(/\./g, '\\.')}`));
    const session = onvifUtil(lab!, ['-u', 'admin', '-p', 'sim-pass-1', ip], 'get profiles\nget rtsp\nquit\n');
    expect(session).toMatch(/successfully connected to host/);
    expect(session).toMatch(vendor === 'hik' ? /Token 0: Profile_1\s+Token 1: Profile_2/ : /Token 0: MediaProfile000[\s\S]*Token 2: MediaProfile002/);
    expect(session).toContain(`rtsp://${ip}:554/${vendor === 'hik' ? 'h265' : 'h264'}`);
    const refused = onvifUtil(lab!, ['-u', 'admin', '-p', 'wrong', ip], 'quit\n');
    expect(refused).not.toMatch(/successfully connected/);
  });
});

