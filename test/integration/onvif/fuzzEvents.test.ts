import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraEventSubscription, type CameraEvent } from '../../../src/discovery/cameraEvents.js';
import { readCameraEvents } from '../../../src/discovery/eventMessages.js';
import { OnvifError } from '../../../src/discovery/onvifErrors.js';
import { readSoapReply } from '../../../src/discovery/soapClient.js';
import { startCameraSim, type CameraSim } from '../../helpers/cameraSim/cameraSim.js';
import { fuzzSeed, mutate, RAW_ERROR, Rng } from '../../helpers/cameraSim/fuzz.js';
import { render } from '../../helpers/cameraSim/templates.js';

// Fuzz: mutated PullMessages replies (and now and then a mutated CreatePullPointSubscription)
// into the event subscription, over HTTP from the simulator, and straight into the reader. The
// subscription must keep going (retrying with a sentence), and every event it delivers must be
// well-formed. Replay a failure with FUZZ_SEED=<seed printed below>.

const SEED = fuzzSeed();
const PARSER_INPUTS = 10_000;
const HTTP_PULLS = 600;
const DEVICE = 'http://127.0.0.1:8080/onvif/device_service';
const TOPICS = [
  ['tns1:RuleEngine/CellMotionDetector/Motion', 'IsMotion'],
  ['tns1:RuleEngine/TamperDetector/Tamper', 'IsTamper'],
  ['tns1:VideoSource/MotionAlarm', 'State'],
  ['tns1:VideoSource/GlobalSceneChange/ImagingService', 'State'],
  ['tns1:Device/Trigger/DigitalInput', 'LogicalState'],
] as const;

/** A PullMessagesResponse with 0-4 notifications, as a camera sends it. */
function pullReply(r: Rng): string {
  const messages = Array.from({ length: r.int(5) }, () => {
    const [topic, item] = r.pick(TOPICS);
    return render('common', 'NotificationMessage', {
      topic, item, value: r.pick(['true', 'false']), rule: 'MyRule', operation: r.pick(['Initialized', 'Changed']), utc: '2024-05-01T10:00:00Z',
    });
  }).join('');
  return render('common', 'PullMessages', { now: '2024-05-01T10:00:00Z', termination: '2024-05-01T10:01:00Z', messages }, ['messages']);
}

function expectWellFormed(events: CameraEvent[], cameraId: string, context: string): void {
  for (const e of events) {
    expect(e.cameraId, context).toBe(cameraId);
    expect(['tamper', 'motion'], context).toContain(e.kind);
    expect(typeof e.state, context).toBe('boolean');
    expect(Number.isFinite(e.ts), context).toBe(true);
    expect(typeof e.topic, context).toBe('string');
  }
}

let unhandled = 0;
const onUnhandled = () => void unhandled++;
// A retry loop that leaves a listener behind on every backoff shows up as this warning.
const warnings: string[] = [];
const onWarning = (w: Error) => void warnings.push(w.name);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
  process.on('warning', onWarning);
  console.log(`PullMessages fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  process.off('warning', onWarning);
});

describe(`PullMessages fuzz (seed ${SEED})`, () => {
  it(`${PARSER_INPUTS} mutated PullMessages replies into the reader`, () => {
    const r = new Rng(SEED);
    let events = 0;
    let refused = 0;
    for (let i = 0; i < PARSER_INPUTS; i++) {
      const { text, applied } = mutate(pullReply(r), r);
      try {
        const res = readSoapReply({ address: DEVICE, url: `${DEVICE}/pull`, status: 200, contentType: null, body: text, creds: undefined, clockOffsetMs: 0 });
        const got = readCameraEvents(res, 'cam-1');
        expectWellFormed(got, 'cam-1', applied.join('+'));
        events += got.length;
      } catch (err) {
        expect(err, applied.join('+')).toBeInstanceOf(OnvifError);
        expect((err as Error).message).not.toMatch(RAW_ERROR);
        refused++;
      }
    }
    console.log(`PullMessages reader: ${PARSER_INPUTS} inputs, ${events} events read, ${refused} replies refused with an OnvifError`);
    expect(unhandled).toBe(0);
  });

  describe('through the running subscription', () => {
    const r = new Rng(SEED ^ 0x2545f491);
    let sim: CameraSim;
    let sub: CameraEventSubscription;
    let pulls = 0;
    let creates = 0;
    const events: CameraEvent[] = [];
    const errors: Error[] = [];
    let subscribed = 0;
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));

    beforeAll(async () => {
      sim = await startCameraSim({
        vendor: 'hik', password: 'pw',
        mutateReply: (op, reply) => {
          if (op === 'CreatePullPointSubscription' && ++creates % 10 === 0) return { ...reply, body: mutate(reply.body, r).text };
          if (op !== 'PullMessages' || reply.status !== 200) return reply;
          if (++pulls >= HTTP_PULLS) done();
          return { ...reply, body: mutate(pullReply(r), r).text };
        },
      });
    });
    afterAll(async () => {
      await sub?.stop();
      await sim?.stop();
    });

    it(`${HTTP_PULLS} mutated PullMessages replies over HTTP; the subscription keeps going`, async () => {
      sub = new CameraEventSubscription({
        cameraId: 'cam-1', deviceUrl: sim.deviceUrl, credentials: { user: 'admin', password: 'pw' },
        pullTimeoutS: 0, backoffMs: { initial: 1, max: 2 },
        onEvent: (e) => events.push(e),
        onState: (state, err) => (state === 'subscribed' ? subscribed++ : errors.push(err!)),
      });
      await sub.start();
      await finished;
      await sub.stop();
      console.log(`subscription: ${pulls} PullMessages served mutated, ${creates} subscriptions created, ${subscribed} subscribed, ${errors.length} retries, ${events.length} events`);
      expectWellFormed(events, 'cam-1', 'http');
      for (const e of errors) {
        expect(e).toBeInstanceOf(OnvifError);
        expect(e.message).not.toMatch(RAW_ERROR);
      }
      expect(subscribed).toBeGreaterThan(0);
      expect(warnings).not.toContain('MaxListenersExceededWarning');
      expect(unhandled).toBe(0);
    });
  });
});
