// Letterbox geometry shared by the pipeline builder (what size GStreamer scales to) and the
// post-processor (how boxes go back to source pixels). YOLOX places the picture at the top-left.

export interface Letterbox {
  /** Scaled picture size inside the square model input. */
  width: number;
  height: number;
  /** Source pixels per scaled pixel on each axis; exact even when rounding made the axes differ. */
  scaleX: number;
  scaleY: number;
}

/** Size the source must be scaled to so that it fits `inputW × inputH` keeping its aspect ratio. */
export function letterboxSize(sourceW: number, sourceH: number, inputW: number, inputH: number): Letterbox {
  if (!(sourceW > 0 && sourceH > 0)) throw new RangeError(`bad source size ${sourceW}x${sourceH}`);
  const r = Math.min(inputW / sourceW, inputH / sourceH);
  const width = Math.min(inputW, Math.max(1, Math.round(sourceW * r)));
  const height = Math.min(inputH, Math.max(1, Math.round(sourceH * r)));
  return { width, height, scaleX: sourceW / width, scaleY: sourceH / height };
}

/** Letterbox of a frame GStreamer already scaled: the scale comes from the sizes actually delivered. */
export function letterboxOf(sourceW: number, sourceH: number, scaledW: number, scaledH: number): Letterbox {
  return { width: scaledW, height: scaledH, scaleX: sourceW / scaledW, scaleY: sourceH / scaledH };
}
