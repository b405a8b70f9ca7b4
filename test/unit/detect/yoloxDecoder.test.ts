import { describe, expect, it } from 'vitest';
import { COCO80 } from '../../../src/detect/labels.js';
import { letterboxOf } from '../../../src/detect/letterbox.js';
import { YoloxDecoder } from '../../../src/detect/yoloxDecoder.js';

const ROW = 85;
const ANCHORS = 52 * 52 + 26 * 26 + 13 * 13;

/** An output tensor with every score zero, and helpers to place one prediction at a grid cell. */
function emptyOutput(): Float32Array {
  return new Float32Array(ANCHORS * ROW);
}
function put(out: Float32Array, anchor: number, v: { tx: number; ty: number; tw: number; th: number; obj: number; cls: Record<number, number> }) {
  const o = anchor * ROW;
  out.set([v.tx, v.ty, v.tw, v.th, v.obj], o);
  for (const [c, p] of Object.entries(v.cls)) out[o + 5 + Number(c)] = p;
}
const decoder = new YoloxDecoder(416, 416, [8, 16, 32], COCO80);
const identity = letterboxOf(416, 416, 416, 416);
const opts = { scoreThreshold: 0.3, nmsIou: 0.45, crossClassIou: 0.8, classIds: [0, 2, 7] };

describe('YoloxDecoder', () => {
  it('has 3549 anchors for a 416 input', () => {
    expect(decoder.anchors).toBe(ANCHORS);
  });

  it('decodes a stride-8 cell: centre (tx+gx)·s, size exp(tw)·s', () => {
    const out = emptyOutput();
    // grid (x=10, y=5) at stride 8 is anchor 5*52+10
    put(out, 5 * 52 + 10, { tx: 0.5, ty: 0.5, tw: Math.log(4), th: Math.log(8), obj: 0.9, cls: { 0: 0.8 } });
    const [d] = decoder.decode(out, identity, 416, 416, opts);
    expect(d).toMatchObject({ label: 'person', classId: 0, score: 0.72 });
    // centre (84, 44), size 32×64
    expect(d!.box).toEqual({ x1: 68, y1: 12, x2: 100, y2: 76 });
  });

  it('decodes a stride-32 cell and maps back to source pixels', () => {
    const out = emptyOutput();
    const anchor = 52 * 52 + 26 * 26 + (2 * 13 + 3); // stride 32, grid (3, 2)
    put(out, anchor, { tx: 0, ty: 0, tw: 0, th: 0, obj: 1, cls: { 2: 0.5 } });
    const lb = letterboxOf(768, 576, 416, 312);
    const [d] = decoder.decode(out, lb, 768, 576, opts);
    expect(d!.label).toBe('car');
    // letterbox centre (96, 64), 32×32 → source ×(768/416, 576/312)
    expect(d!.box.x1).toBeCloseTo(80 * (768 / 416), 0);
    expect(d!.box.y2).toBeCloseTo(80 * (576 / 312), 0);
  });

  it('drops scores under the threshold and classes not asked for', () => {
    const out = emptyOutput();
    put(out, 100, { tx: 0, ty: 0, tw: 1, th: 1, obj: 0.5, cls: { 0: 0.5 } }); // 0.25 < 0.3
    put(out, 200, { tx: 0, ty: 0, tw: 1, th: 1, obj: 0.9, cls: { 16: 0.9 } }); // dog: not asked for
    expect(decoder.decode(out, identity, 416, 416, opts)).toEqual([]);
  });

  it('takes the best wanted class when another class scores higher', () => {
    const out = emptyOutput();
    put(out, 300, { tx: 0, ty: 0, tw: 1, th: 1, obj: 0.9, cls: { 7: 0.9, 2: 0.6 } }); // truck best, car wanted
    const [d] = decoder.decode(out, identity, 416, 416, { ...opts, classIds: [0, 2] });
    expect(d!.label).toBe('car');
  });

  it('merges duplicate predictions of one object by NMS and clips to the frame', () => {
    const out = emptyOutput();
    put(out, 0, { tx: 0, ty: 0, tw: Math.log(4), th: Math.log(4), obj: 0.9, cls: { 0: 0.9 } });
    put(out, 1, { tx: -0.5, ty: 0, tw: Math.log(4), th: Math.log(4), obj: 0.8, cls: { 0: 0.9 } });
    const dets = decoder.decode(out, identity, 416, 416, opts);
    expect(dets).toHaveLength(1);
    expect(dets[0]!.box.x1).toBe(0);
    expect(dets[0]!.box.y1).toBe(0);
  });

  it('keeps one object scored as two classes by neighbouring anchors, but not two overlapping objects', () => {
    const out = emptyOutput();
    // Same box from two anchors: "car" 0.72 and "truck" 0.63 (IoU 1): one van.
    put(out, 400, { tx: 0.5, ty: 0.5, tw: Math.log(6), th: Math.log(4), obj: 0.9, cls: { 2: 0.8 } });
    put(out, 401, { tx: -0.5, ty: 0.5, tw: Math.log(6), th: Math.log(4), obj: 0.9, cls: { 7: 0.7 } });
    // A person partly in front of it (IoU well under 0.8) stays.
    put(out, 402, { tx: 0.5, ty: 0.5, tw: Math.log(2), th: Math.log(4), obj: 0.9, cls: { 0: 0.9 } });
    const dets = decoder.decode(out, identity, 416, 416, opts);
    expect(dets.map((d) => d.label).sort()).toEqual(['car', 'person']);
  });

  it('rejects an output of the wrong size', () => {
    expect(() => decoder.decode(new Float32Array(10), identity, 416, 416, opts)).toThrow(/expected 3549/);
  });
});
