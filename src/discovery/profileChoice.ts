import type { MediaProfile } from './onvifTypes.js';

// Which stream feeds detection and which is kept for evidence. Detection runs on a few frames per
// second of a downscaled picture, so the smallest usable stream saves decode time; evidence wants
// the sharpest one.

/** Detection needs at least this width to see a person at the far side of a junction. */
export const MIN_DETECT_WIDTH = 320;

const VIDEO = new Set(['H264', 'H265']);

export interface ProfileChoice {
  detect: MediaProfile;
  /** The main stream, when it differs from `detect`. */
  record?: MediaProfile;
}

/**
 * detect: the lowest-resolution H.264/H.265 profile at least MIN_DETECT_WIDTH wide (or the
 * largest, if all are narrower); record: the highest-resolution one. Only profiles with a stream
 * URI count. undefined when there is no usable video profile. `token` forces the detect profile.
 */
export function chooseProfiles(profiles: MediaProfile[], token?: string): ProfileChoice | undefined {
  const usable = profiles.filter((p) => p.streamUri && VIDEO.has(p.encoding)).sort((a, b) => area(a) - area(b));
  if (usable.length === 0) return undefined;
  const forced = token === undefined ? undefined : profiles.find((p) => p.token === token && p.streamUri);
  const detect = forced ?? usable.find((p) => p.width >= MIN_DETECT_WIDTH) ?? usable[usable.length - 1]!;
  const main = usable[usable.length - 1]!;
  return main.token === detect.token ? { detect } : { detect, record: main };
}

function area(p: MediaProfile): number {
  return p.width * p.height;
}
