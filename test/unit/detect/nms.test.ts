import { describe, expect, it } from 'vitest';
import { nmsClasswise } from '../../../src/detect/nms.js';

function run(boxes: number[][], scores: number[], classes: number[], iou = 0.45, crossIou = 1) {
  return nmsClasswise(new Float32Array(boxes.flat()), new Float32Array(scores), new Int32Array(classes), scores.length, iou, crossIou);
}

describe('nmsClasswise', () => {
  it('keeps the best of two overlapping boxes of one class', () => {
    expect(run([[0, 0, 10, 10], [1, 1, 11, 11]], [0.6, 0.9], [0, 0])).toEqual([1]);
  });
  it('keeps overlapping boxes of different classes', () => {
    expect(run([[0, 0, 10, 10], [1, 1, 11, 11]], [0.6, 0.9], [0, 2])).toEqual([1, 0]);
  });
  it('keeps boxes whose IoU is at or under the threshold', () => {
    // IoU of these two is 50/150 = 0.333
    expect(run([[0, 0, 10, 10], [5, 0, 15, 10]], [0.8, 0.7], [0, 0], 0.45)).toEqual([0, 1]);
    expect(run([[0, 0, 10, 10], [5, 0, 15, 10]], [0.8, 0.7], [0, 0], 0.3)).toEqual([0]);
  });
  it('suppresses transitively only through kept boxes', () => {
    // A suppresses B; C overlaps B but not A, so C survives.
    const keep = run([[0, 0, 10, 10], [2, 0, 12, 10], [9, 0, 19, 10]], [0.9, 0.8, 0.7], [0, 0, 0]);
    expect(keep).toEqual([0, 2]);
  });
  it('takes near-identical boxes of different classes as one object above the cross-class IoU', () => {
    // IoU 0.82: a van seen as car and truck
    expect(run([[0, 0, 10, 10], [0, 0, 10, 8.2]], [0.6, 0.9], [2, 7], 0.45, 0.8)).toEqual([1]);
    expect(run([[0, 0, 10, 10], [0, 0, 10, 8.2]], [0.6, 0.9], [2, 7], 0.45, 0.85)).toEqual([1, 0]);
  });
  it('handles no candidates', () => {
    expect(run([], [], [])).toEqual([]);
  });
});
