import { describe, expect, it } from 'vitest';
import { letterboxOf, letterboxSize } from '../../../src/detect/letterbox.js';

describe('letterboxSize', () => {
  it('fits a 4:3 camera into 416×416 by width', () => {
    expect(letterboxSize(768, 576, 416, 416)).toEqual({ width: 416, height: 312, scaleX: 768 / 416, scaleY: 576 / 312 });
  });
  it('fits a 16:9 1080p camera and rounds the short side', () => {
    const lb = letterboxSize(1920, 1080, 416, 416);
    expect(lb.width).toBe(416);
    expect(lb.height).toBe(234);
  });
  it('fits a portrait picture by height', () => {
    const lb = letterboxSize(576, 768, 416, 416);
    expect(lb).toMatchObject({ width: 312, height: 416 });
  });
  it('scales a small picture up', () => {
    expect(letterboxSize(208, 104, 416, 416)).toMatchObject({ width: 416, height: 208, scaleX: 0.5, scaleY: 0.5 });
  });
  it('rejects an empty picture', () => {
    expect(() => letterboxSize(0, 10, 416, 416)).toThrow(RangeError);
  });
  it('maps scaled pixels back per axis from the sizes actually delivered', () => {
    const lb = letterboxOf(1920, 1080, 416, 234);
    expect(100 * lb.scaleX).toBeCloseTo(461.54, 1);
    expect(234 * lb.scaleY).toBeCloseTo(1080, 6);
  });
});
