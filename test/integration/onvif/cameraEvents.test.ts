import { afterEach, describe, expect, it } from 'vitest';
import { CameraEventSubscription, type CameraEvent } from '../../../src/discovery/cameraEvents.js';
import { startCameraSim, type CameraSim } from '../../helpers/cameraSim/cameraSim.js';

// Pull-point events from the simulated cameras, and the resubscription after a reboot.

let sim: CameraSim | undefined;
let sub: CameraEventSubscription | undefined;

afterEach(async () => {
  await sub?.stop();
  await sim?.stop();
});

/** Resolves when `pred` holds, checking after every event or state change. */
function until<T>(list: T[], pred: (l: T[]) => boolean, onChange: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (pred(list)) {
        onChange.delete(check);
        resolve();
      }
    };
    onChange.add(check);
    check();
  });
}

describe.each(['hik', 'dahua'] as const)('camera events from the %s simulator', (vendor) => {
  it('delivers motion and tamper as typed events, and resubscribes after a reboot', async () => {
    sim = await startCameraSim({ vendor, password: 'pw', clockSkewMs: 600_000 });
    const events: CameraEvent[] = [];
    const states: string[] = [];
    const changed = new Set<() => void>();
    const notify = () => changed.forEach((f) => f());
    sub = new CameraEventSubscription({
      cameraId: 'cam-1',
      deviceUrl: sim.deviceUrl,
      credentials: { user: 'admin', password: 'pw' },
      pullTimeoutS: 1,
      backoffMs: { initial: 50, max: 400 },
      onEvent: (e) => {
        events.push(e);
        notify();
      },
      onState: (s) => {
        states.push(s);
        notify();
      },
    });
    await sub.start();
    await until(states, (s) => s.includes('subscribed'), changed);
    sim.emitEvent('motion', true);
    sim.emitEvent('tamper', true);
    await until(events, (e) => e.length >= 2, changed);
    expect(events.map((e) => [e.cameraId, e.kind, e.state])).toEqual([
      ['cam-1', 'motion', true],
      ['cam-1', 'tamper', true],
    ]);
    expect(typeof events[0]!.ts).toBe('number');

    await sim.reboot(300);
    await until(states, (s) => s.lastIndexOf('subscribed') > s.indexOf('retrying') && s.includes('retrying'), changed);
    expect(sim.events.created).toBe(2);
    sim.emitEvent('motion', false);
    await until(events, (e) => e.length >= 3, changed);
    expect(events[2]).toMatchObject({ kind: 'motion', state: false });
  });
});

/** A subscription whose failures are collected; `changed` callbacks run on every state change. */
function failingSubscription(camera: CameraSim, cameraId: string, password: string): { errors: Error[]; changed: Set<() => void> } {
  const errors: Error[] = [];
  const changed = new Set<() => void>();
  sub = new CameraEventSubscription({
    cameraId,
    deviceUrl: camera.deviceUrl,
    credentials: { user: 'admin', password },
    backoffMs: { initial: 20, max: 40 },
    onEvent: () => undefined,
    onState: (_s, e) => {
      if (e) errors.push(e);
      changed.forEach((f) => f());
    },
  });
  return { errors, changed };
}

describe('camera events with wrong credentials', () => {
  it('keeps retrying with the error reported, and stops cleanly', async () => {
    sim = await startCameraSim({ vendor: 'hik', password: 'pw' });
    const { errors, changed } = failingSubscription(sim, 'cam-1', 'bad');
    await sub.start();
    await until(errors, (e) => e.length >= 2, changed);
    expect(errors[0]!.name).toBe('OnvifAuthError');
    await sub.stop();
    await sub.stop();
  });
});

describe('camera events with an unusable pull-point address', () => {
  it('retries with a sentence naming the camera and the address, never "Invalid URL"', async () => {
    sim = await startCameraSim({ vendor: 'hik', password: 'pw', quirks: { pullPointAddress: 'h' } });
    const { errors, changed } = failingSubscription(sim, 'cam-7', 'pw');
    await sub.start();
    await until(errors, (e) => e.length >= 3, changed);
    await sub.stop();
    for (const e of errors) {
      expect(e.name).toBe('OnvifReplyError');
      expect(e.message).toMatch(/camera cam-7: pull-point address "h" is not a URL/);
      expect(e.message).not.toMatch(/Invalid URL|TypeError/);
    }
    // Each attempt is one whole subscription: no PullMessages was ever sent to the bad address.
    expect(sim.log.filter((l) => l.endsWith('CreatePullPointSubscription')).length).toBe(errors.length);
    expect(sim.log.some((l) => l.endsWith('PullMessages'))).toBe(false);
  });
});
