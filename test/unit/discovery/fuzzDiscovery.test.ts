import { createSocket } from 'node:dgram';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraWatch, type MoveVerdict } from '../../../src/cameraWatch.js';
import type { CameraConfig } from '../../../src/config/cameraSchema.js';
import { checkDeviceUrl } from '../../../src/discovery/deviceUrl.js';
import { DiscoveryListener, type CameraMovedEvent } from '../../../src/discovery/discoveryListener.js';
import { discoveryTable } from '../../../src/discovery/formatting.js';
import { parseDiscoveryMessage, plainDevice } from '../../../src/discovery/wsDiscoveryMessages.js';
import { fuzzSeed, mutate, RAW_ERROR, Rng } from '../../helpers/cameraSim/fuzz.js';
import { render } from '../../helpers/cameraSim/templates.js';
import { freeUdpPort } from '../../helpers/ports.js';

// Fuzz: mutated WS-Discovery datagrams (Hello, Bye, ProbeMatches of a configured camera) into the
// listener, the running camera watch and the discover table. Every input is awaited, so a hang is
// a test that never finishes, not a clock. Replay a failure with FUZZ_SEED=<seed printed below>.

const INPUTS = 10_000;
const SEED = fuzzSeed();
const EPR = 'urn:uuid:8a1e6f40-0000-4000-8000-00000000000a';
const HOME = 'http://127.0.0.1:8080/onvif/device_service';
const vars = { messageId: 'm-1', relatesTo: 'uuid:r', instanceId: 3, epr: EPR, metadataVersion: 2, scopes: 'onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/Gate%201 onvif://www.onvif.org/hardware/DS-2CD2143G2-I' };
const BASES = [
  render('common', 'Hello', { ...vars, xaddr: 'http://127.0.0.2:8080/onvif/device_service http://169.254.3.3/onvif/device_service' }),
  render('common', 'Hello', { ...vars, xaddr: 'http://127.0.0.3:80/onvif/device_service' }),
  render('common', 'Bye', vars),
  render('common', 'ProbeMatches', { ...vars, xaddr: 'http://127.0.0.2/onvif/device_service' }),
];

function logCapture() {
  const lines: string[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) });
  return { log: pino({ level: 'debug' }, sink), lines };
}

let unhandled = 0;
const onUnhandled = () => void unhandled++;
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  console.log(`WS-Discovery fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

describe(`WS-Discovery fuzz (seed ${SEED})`, () => {
  it(`${INPUTS} mutated datagrams into the listener and the discover table`, async () => {
    const r = new Rng(SEED);
    const { log, lines } = logCapture();
    const listener = new DiscoveryListener({ log });
    listener.track({ cameraId: 'gate-1', epr: EPR, xaddr: HOME });
    const moves: CameraMovedEvent[] = [];
    listener.onMoved((e) => moves.push(e));
    let tables = 0;
    for (let i = 0; i < INPUTS; i++) {
      const { text, applied } = mutate(r.pick(BASES), r);
      await listener.receive(Buffer.from(text, 'latin1'), `10.0.${r.int(256)}.${r.int(256)}`);
      const m = parseDiscoveryMessage(text, '10.0.0.1');
      if (m?.type === 'probe-match' || m?.type === 'hello') {
        const devices = m.type === 'hello' ? [m.device] : m.devices;
        const table = discoveryTable(devices.map(plainDevice));
        expect(table, applied.join('+')).not.toMatch(RAW_ERROR);
        tables++;
      }
    }
    const s = listener.stats();
    console.log(`listener: ${JSON.stringify(s)}, moves ${moves.length}, discover tables ${tables}`);
    expect(s.received).toBe(INPUTS);
    expect(s.hello + s.bye + s.ignored + s.rejected.malformed + s.rejected['bad-xaddr'] + s.rejected['handler-failed']).toBeGreaterThanOrEqual(INPUTS);
    expect(s.rejected['handler-failed']).toBe(0);
    // Every move carries a checked address that parses; the configured address never changed.
    for (const e of moves) {
      expect(checkDeviceUrl(e.xaddr).ok).toBe(true);
      expect(e.previousXAddr).toBe(HOME);
    }
    expect(lines.join('\n')).not.toMatch(RAW_ERROR);
    expect(unhandled).toBe(0);
  });

  describe('into the running camera watch', () => {
    let watch: CameraWatch;
    let port: number;
    const verdicts: MoveVerdict[] = [];
    const sources: string[] = [];
    let checks = 0;
    const capture = logCapture();
    const cam = {
      id: 'gate-1', source: 'rtsp://admin:pw@127.0.0.1:8554/h264', enabled: true,
      onvif: { host: '127.0.0.1', port: 8080, user: 'admin', epr: EPR, serial: 'SN-1', events: false },
    } as CameraConfig;

    beforeAll(async () => {
      port = await freeUdpPort();
      const r = new Rng(SEED ^ 0x5a5a5a5a);
      // The identity check is replaced: fuzzed addresses must not be contacted (only loopback may be).
      const verify = async () => {
        checks++;
        await Promise.resolve();
        return r.next() < 0.3 ? { ok: true as const, device: { manufacturer: '', model: '', firmwareVersion: '', serialNumber: 'SN-1', hardwareId: '' } } : { ok: false as const, reason: 'serial number "x" is not the recorded "SN-1"' };
      };
      watch = new CameraWatch([cam], { listen: true, discoveryPort: port }, {
        onMoved: (_id, source) => sources.push(source),
        onMoveChecked: (_id, v) => verdicts.push(v),
        onEvent: () => undefined,
      }, capture.log, { verify });
      await watch.start();
    });
    afterAll(async () => watch?.stop());

    it(`${INPUTS} mutated datagrams in process and 300 over UDP; moves only after a verdict`, async () => {
      const r = new Rng(SEED ^ 0x1234567);
      const listener = watch.discovery!;
      expect(listener).toBeDefined();
      for (let i = 0; i < INPUTS; i++) {
        const { text } = mutate(r.pick(BASES), r);
        await listener.receive(text, '127.0.0.9');
        // A check in flight finishes before the next datagram, so each claim is checked once.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      // One datagram at a time, each awaited until the listener counted it: the kernel drops
      // datagrams when a burst overflows the socket buffer, and a lost one would hang the wait.
      const until = (pred: () => boolean) => new Promise<void>((resolve) => {
        const poll = setInterval(() => pred() && (clearInterval(poll), resolve()), 2);
      });
      for (let i = 0; i < 300; i++) {
        const { text } = mutate(r.pick(BASES), r);
        const before = watch.stats()!.received;
        await new Promise<void>((resolve) => socket.send(Buffer.from(text, 'latin1').subarray(0, 60_000), port, '127.0.0.1', () => resolve()));
        await until(() => watch.stats()!.received > before);
      }
      await until(() => verdicts.length === checks);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      const s = watch.stats()!;
      console.log(`camera watch: ${JSON.stringify(s)}, identity checks ${checks}, accepted ${verdicts.filter((v) => v.accepted).length}, refused ${verdicts.filter((v) => !v.accepted).length}`);
      expect(s.received).toBeGreaterThanOrEqual(INPUTS + 1);
      expect(s.rejected['handler-failed']).toBe(0);
      expect(verdicts.length).toBe(checks);
      expect(sources.length).toBe(verdicts.filter((v) => v.accepted).length);
      for (const src of sources) expect(URL.canParse(src)).toBe(true);
      expect(capture.lines.join('\n')).not.toMatch(RAW_ERROR);
      expect(capture.lines.join('\n')).not.toContain(':pw@');
      expect(unhandled).toBe(0);
    });
  });
});
