// Rasterises normalised polygons onto a small picture once, so the per-frame loop only reads a byte.

/** A polygon as [[x, y], ...] in normalised coordinates (0..1 of the picture). */
export type NormPolygon = readonly (readonly [number, number])[];

/**
 * Returns `width*height` bytes, 1 where the pixel centre lies inside any polygon, else 0.
 * The caller owns the returned buffer.
 */
export function rasterisePolygons(polygons: readonly NormPolygon[], width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const poly of polygons) {
    for (let y = 0; y < height; y++) {
      const py = (y + 0.5) / height;
      for (let x = 0; x < width; x++) {
        if (insidePolygon((x + 0.5) / width, py, poly)) mask[y * width + x] = 1;
      }
    }
  }
  return mask;
}

/** Even-odd rule: a point on an edge may fall either way, which is fine at pixel resolution. */
export function insidePolygon(px: number, py: number, poly: NormPolygon): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i]!;
    const [xj, yj] = poly[j]!;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
