import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeJson, probeReport } from '../../../src/discovery/formatting.js';
import { OnvifError } from '../../../src/discovery/onvifErrors.js';
import {
  readCameraClock,
  readCapabilities,
  readDeviceInformation,
  readMedia2Profiles,
  readMediaProfiles,
  readServices,
  readUri,
} from '../../../src/discovery/onvifReplies.js';
import type { CameraProbe } from '../../../src/discovery/onvifTypes.js';
import { probeCamera, sameOrigin } from '../../../src/discovery/probe.js';
import { chooseProfiles } from '../../../src/discovery/profileChoice.js';
import { readSoapReply } from '../../../src/discovery/soapClient.js';
import type { XmlNode } from '../../../src/discovery/xml.js';
import { startCameraSim, type CameraSim } from '../../helpers/cameraSim/cameraSim.js';
import { fuzzSeed, mutate, RAW_ERROR, Rng } from '../../helpers/cameraSim/fuzz.js';
import { dateVars, render } from '../../helpers/cameraSim/templates.js';
import { runCameraCli } from './cli.js';

// Fuzz: mutated SOAP replies into the probe. Some thousands go through the real HTTP client (the
// simulator mutates one operation's replies per probe), the rest straight into the reply readers.
// Every result must print, every failure must be an OnvifError with a sentence, never a raw
// TypeError/RangeError. Replay a failure with FUZZ_SEED=<seed printed below>.

const SEED = fuzzSeed();
const HTTP_PROBES = 600;
const PARSER_INPUTS = 10_000;
const creds = { user: 'admin', password: 'Fuzz-pw-1' };
const BASE = 'http://127.0.0.1:8080';
const DEVICE = `${BASE}/onvif/device_service`;
const RTSP = { h264: 'rtsp://127.0.0.1:8554/h264', h265: 'rtsp://127.0.0.1:8554/h265' };

/** Every reply the readers take, per vendor, with the reader that takes it. */
const READERS: [string, string, Record<string, string | number>, (res: XmlNode) => unknown][] = [];
for (const v of ['hik', 'dahua'] as const) {
  READERS.push(
    [v, 'GetSystemDateAndTime', dateVars(Date.UTC(2024, 4, 1)), (res) => readCameraClock(res, DEVICE)],
    [v, 'GetDeviceInformation', { serial: 'SN-1' }, (res) => readDeviceInformation(res)],
    [v, 'GetServices', { base: BASE }, (res) => sameOrigin(readServices(res, DEVICE), DEVICE)],
    [v, 'GetCapabilities', { base: BASE }, (res) => sameOrigin(readCapabilities(res, DEVICE), DEVICE)],
    [v, 'GetProfiles', {}, (res) => chooseProfiles(readMediaProfiles(res).map((p) => ({ ...p, streamUri: RTSP.h264 })))],
    [v, 'GetStreamUri', { uri: RTSP.h264 }, (res) => readUri(res)],
  );
}
READERS.push(
  ['hik', 'Media2GetProfiles', {}, (res) => readMedia2Profiles(res)],
  ['hik', 'Media2GetStreamUri', { uri: RTSP.h265 }, (res) => readUri(res)],
  ['hik', 'GetSystemDateAndTimeLocal', dateVars(Date.UTC(2024, 4, 1)), (res) => readCameraClock(res, DEVICE)],
  ['common', 'FaultNotAuthorized', {}, () => undefined],
  ['common', 'FaultMessageExpired', {}, () => undefined],
);

/** The failure is typed and says something a person can read. */
function expectSentence(err: unknown, applied: string[]): void {
  expect(err, applied.join('+')).toBeInstanceOf(OnvifError);
  expect((err as Error).message, applied.join('+')).not.toMatch(RAW_ERROR);
}

let unhandled = 0;
const onUnhandled = () => void unhandled++;
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  console.log(`SOAP fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
});
afterAll(() => void process.off('unhandledRejection', onUnhandled));

describe(`SOAP reply fuzz (seed ${SEED})`, () => {
  it(`${PARSER_INPUTS} mutated replies into the reply readers`, () => {
    const r = new Rng(SEED);
    const outcomes = { read: 0, refused: 0 };
    for (let i = 0; i < PARSER_INPUTS; i++) {
      const [dir, name, vars, reader] = r.pick(READERS);
      const { text, applied } = mutate(render(dir, name, vars), r);
      const status = r.pick([200, 200, 200, 200, 400, 401, 500]);
      try {
        const res = readSoapReply({ address: DEVICE, url: DEVICE, status, contentType: 'application/soap+xml', body: text, creds: r.next() < 0.8 ? creds : undefined, clockOffsetMs: 0 });
        const value = reader(res);
        expect(JSON.stringify(value ?? null)).not.toMatch(RAW_ERROR);
        outcomes.read++;
      } catch (err) {
        expectSentence(err, applied);
        outcomes.refused++;
      }
    }
    console.log(`reply readers: ${PARSER_INPUTS} inputs, ${outcomes.read} read, ${outcomes.refused} refused with an OnvifError`);
    expect(unhandled).toBe(0);
  });

  describe('through the HTTP client', () => {
    const r = new Rng(SEED ^ 0x9e3779b9);
    const sims: CameraSim[] = [];
    let target = '';
    let mutated = 0;
    let lastApplied: string[] = [];

    beforeAll(async () => {
      for (const vendor of ['hik', 'dahua'] as const) {
        sims.push(await startCameraSim({
          vendor, password: creds.password, rtsp: RTSP,
          mutateReply: (op, reply) => {
            if (op !== target) return reply;
            mutated++;
            const { text, applied } = mutate(reply.body, r);
            lastApplied = applied;
            const status = r.next() < 0.8 ? reply.status : r.pick([200, 400, 401, 500]);
            return { ...reply, status, body: text };
          },
        }));
      }
    });
    afterAll(async () => Promise.all(sims.map((s) => s.stop())));

    it(`${HTTP_PROBES} probes, each with one operation's replies mutated; every fifth through the CLI`, async () => {
      const ops = ['GetSystemDateAndTime', 'GetDeviceInformation', 'GetServices', 'GetProfiles', 'GetStreamUri', 'GetSnapshotUri'];
      const outcomes = { probed: 0, refused: 0, cli: 0 };
      process.env['FUZZ_PROBE_PW'] = creds.password;
      for (let i = 0; i < HTTP_PROBES; i++) {
        const sim = sims[i % 2]!;
        target = r.pick(ops);
        if (i % 5 === 4) {
          const res = await runCameraCli(['camera', 'probe', `127.0.0.1:${sim.port}`, '--user', 'admin', '--password-env', 'FUZZ_PROBE_PW', '--timeout', '5']);
          expect(res.out + res.err, lastApplied.join('+')).not.toMatch(RAW_ERROR);
          expect(res.out + res.err).not.toContain(creds.password);
          outcomes.cli++;
          continue;
        }
        let p: CameraProbe | undefined;
        try {
          p = await probeCamera({ target: `127.0.0.1:${sim.port}`, credentials: creds, timeoutMs: 5000 });
        } catch (err) {
          expectSentence(err, lastApplied);
          outcomes.refused++;
          continue;
        }
        expect(probeReport(p) + probeJson(p), lastApplied.join('+')).not.toMatch(RAW_ERROR);
        outcomes.probed++;
      }
      console.log(`HTTP probes: ${HTTP_PROBES} (${mutated} mutated replies served), ${JSON.stringify(outcomes)}`);
      expect(mutated).toBeGreaterThanOrEqual(HTTP_PROBES);
      expect(unhandled).toBe(0);
    });
  });
});
