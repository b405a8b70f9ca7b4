/**
 * Greedy non-maximum suppression over candidate boxes held in parallel arrays. Returns the indexes
 * kept, best score first. Boxes of one class suppress each other above `iouThreshold`; boxes of
 * different classes only above `crossClassIou`, which is meant to be high: a van scored as both
 * "car" and "truck" by neighbouring anchors is one object, a cyclist's person and bicycle are two.
 */
export function nmsClasswise(
  boxes: Float32Array, // x1,y1,x2,y2 per candidate
  scores: Float32Array,
  classes: Int32Array,
  count: number,
  iouThreshold: number,
  crossClassIou = 1,
): number[] {
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const suppressed = new Uint8Array(count);
  const keep: number[] = [];
  for (let oi = 0; oi < order.length; oi++) {
    const i = order[oi]!;
    if (suppressed[i]) continue;
    keep.push(i);
    for (let oj = oi + 1; oj < order.length; oj++) {
      const j = order[oj]!;
      if (suppressed[j]) continue;
      const limit = classes[j] === classes[i] ? iouThreshold : crossClassIou;
      if (iouAt(boxes, i, j) > limit) suppressed[j] = 1;
    }
  }
  return keep;
}

function iouAt(b: Float32Array, i: number, j: number): number {
  const ix1 = Math.max(b[4 * i]!, b[4 * j]!);
  const iy1 = Math.max(b[4 * i + 1]!, b[4 * j + 1]!);
  const ix2 = Math.min(b[4 * i + 2]!, b[4 * j + 2]!);
  const iy2 = Math.min(b[4 * i + 3]!, b[4 * j + 3]!);
  const inter = Math.max(0, ix2 - ix1) * Math.max(0, iy2 - iy1);
  if (inter === 0) return 0;
  const a = (b[4 * i + 2]! - b[4 * i]!) * (b[4 * i + 3]! - b[4 * i + 1]!);
  const c = (b[4 * j + 2]! - b[4 * j]!) * (b[4 * j + 3]! - b[4 * j + 1]!);
  return inter / (a + c - inter);
}
