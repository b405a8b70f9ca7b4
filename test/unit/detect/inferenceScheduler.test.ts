import { describe, expect, it } from 'vitest';
import type { Detector } from '../../../src/detect/detector.js';
import { InferenceScheduler } from '../../../src/detect/inferenceScheduler.js';
import type { Detection, Frame } from '../../../src/types.js';

const FILTER = { classes: ['person'], scoreThreshold: 0.3, nmsIou: 0.45, crossClassIou: 1 };

/** A detector whose inferences finish only when the test says so, recording the order served. */
function manualDetector(waitingNow: () => string[] = () => []): Detector & { served: string[]; waitingAtTurn: string[][]; finish(): void; busy: number } {
  const waiting: (() => void)[] = [];
  const d = {
    modelId: 'fake',
    inputWidth: 416,
    inputHeight: 416,
    lastTimings: { preMs: 0, inferMs: 0, postMs: 0 },
    maxBatch: 1,
    served: [] as string[],
    waitingAtTurn: [] as string[][],
    busy: 0,
    start: async () => undefined,
    stop: async () => undefined,
    inferRaw: async () => new Float32Array(),
    detect: (frame: Frame): Promise<Detection[]> => {
      d.served.push(frame.cameraId);
      d.waitingAtTurn.push(waitingNow());
      d.busy++;
      return new Promise((resolve) =>
        waiting.push(() => {
          d.busy--;
          resolve([]);
        }),
      );
    },
    finish: () => waiting.shift()?.(),
  };
  return d;
}

function frame(cameraId: string, seq: number): Frame {
  return { cameraId, seq, ts: seq, ptsMs: seq, sourceWidth: 4, sourceHeight: 4, width: 4, height: 4, data: Buffer.alloc(48) };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('InferenceScheduler', () => {
  it('serves cameras with a frame waiting round robin, however fast each camera delivers', async () => {
    let s: InferenceScheduler | undefined;
    const det = manualDetector(() => s!.waitingCameras);
    s = new InferenceScheduler(det);
    // Camera "fast" has a new frame the moment its previous one is done; "medium" every second
    // turn, "slow" every fourth. Each camera loop awaits its frame before submitting the next.
    const rates: Record<string, number> = { fast: 1, medium: 2, slow: 4 };
    const inferred: Record<string, number> = { fast: 0, medium: 0, slow: 0 };
    let round = 0;
    const loops = Object.keys(rates).map(async (id) => {
      for (let seq = 0; round < 120; seq++) {
        while (round % rates[id]! !== 0 && round < 120) await tick();
        await s!.detect(frame(id, seq), FILTER);
        inferred[id]!++;
        await tick();
      }
    });
    for (; round < 120; round++) {
      await tick();
      await tick();
      expect(det.busy).toBeLessThanOrEqual(1); // one inference at a time on the shared session
      det.finish();
    }
    for (let i = 0; i < 10; i++) {
      det.finish();
      await tick();
    }
    await Promise.all(loops);
    // Every camera waiting when camera X takes a turn is served before X's next turn.
    let checked = 0;
    for (let i = 0; i < det.served.length; i++) {
      const next = det.served.indexOf(det.served[i]!, i + 1);
      if (next < 0) continue;
      for (const other of det.waitingAtTurn[i]!) {
        expect(det.served.slice(i + 1, next), `turn ${i}: ${other} waited while ${det.served[i]} went twice`).toContain(other);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(inferred['slow']).toBeGreaterThan(0);
    expect(inferred['fast']!).toBeGreaterThan(inferred['slow']!);
  });

  it('degrades evenly: with every camera always waiting, served counts differ by at most one', async () => {
    const det = manualDetector();
    const s = new InferenceScheduler(det);
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const count = new Map(ids.map((id) => [id, 0]));
    let stop = false;
    const loops = ids.map(async (id, i) => {
      for (let seq = 0; !stop; seq++) {
        await s.detect(frame(id, seq), FILTER);
        count.set(id, count.get(id)! + 1);
        if (i === 0) await tick(); // cameras re-submit at slightly different moments
      }
    });
    for (let n = 0; n < 103; n++) {
      await tick();
      await tick();
      det.finish();
    }
    const served = ids.map((id) => det.served.filter((x) => x === id).length);
    expect(Math.max(...served) - Math.min(...served)).toBeLessThanOrEqual(1);
    stop = true;
    for (let n = 0; n < 10; n++) {
      det.finish();
      await tick();
    }
    await Promise.race([Promise.all(loops), tick()]);
  });

  it('a newer frame from the same camera replaces the one still waiting, which resolves null', async () => {
    const det = manualDetector();
    const s = new InferenceScheduler(det);
    const first = s.detect(frame('a', 0), FILTER); // runs at once
    const older = s.detect(frame('a', 1), FILTER);
    const newer = s.detect(frame('a', 2), FILTER);
    expect(await older).toBeNull();
    det.finish();
    await first;
    await tick();
    det.finish();
    expect(await newer).toEqual([]);
    expect(det.served).toEqual(['a', 'a']);
    expect(s.latency().total.count).toBe(2);
  });

  it('an inference failure rejects that frame only; the next camera is still served', async () => {
    const failing: Detector = { ...manualDetector(), detect: async (f: Frame) => (f.cameraId === 'bad' ? Promise.reject(new Error('boom')) : []) };
    const s = new InferenceScheduler(failing);
    await expect(s.detect(frame('bad', 0), FILTER)).rejects.toThrow('boom');
    expect(await s.detect(frame('good', 0), FILTER)).toEqual([]);
  });
});
