import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { detectFilter, type CameraConfig } from '../config/cameraSchema.js';
import { loadConfig } from '../config/loadConfig.js';
import type { Config } from '../config/schema.js';
import { letterboxSize } from '../detect/letterbox.js';
import { loadDetector } from '../detect/loadDetector.js';
import { StreamError } from '../errors.js';
import { createCameraSource } from '../stream/createSource.js';
import { isLiveUri } from '../stream/pipelineSpec.js';
import { resizeBgr } from '../track/overlay.js';
import { renderPreview, sceneOf } from '../track/previewPicture.js';
import type { Detection, Frame } from '../types.js';
import { installedChecks } from './configCommands.js';
import { EXIT } from './exitCodes.js';

// `edge-agent camera preview <camera>`: zones and lines are fractions of the picture typed into YAML,
// and nobody places them right blind. This grabs the camera's current frame (or a file's frame at
// --at), runs the camera's detector on it and writes a JPEG with everything drawn on.

/** Largest picture asked of GStreamer for a preview: the camera's own size up to this box. */
const PREVIEW_FIT = 1280;
/**
 * A live stream's first frames may precede its first key frame (libav conceals the missing
 * reference with grey smears); the preview takes the first frame after this much streaming.
 */
const LIVE_SETTLE_MS = 1000;

export interface PreviewResult {
  frame: Frame;
  detections: Detection[];
  jpeg: Buffer;
  width: number;
  height: number;
}

export function registerPreviewCommand(camera: Command): void {
  camera
    .command('preview')
    .description("Write a JPEG of a camera's current frame with its zones, lines (and allowed direction), motion masks and detections drawn on.")
    .argument('<camera>', 'camera id in the config')
    .requiredOption('-c, --config <file>', 'YAML config file')
    .option('--out <file.jpg>', 'where to write the picture (default: <camera>-preview.jpg)')
    .option('--at <seconds>', 'for a file source: the frame at this time into the clip', seconds, undefined)
    .action(async (id: string, o: { config: string; out?: string; at?: number }) => {
      const cfg = loadConfig(o.config, installedChecks());
      const cam = cfg.cameras.find((c) => c.id === id);
      if (!cam) return usage(`no camera "${id}" in ${o.config}; it has: ${cfg.cameras.map((c) => c.id).join(', ')}`);
      if (o.at !== undefined && isLiveUri(cam.source)) return usage(`--at works on file sources; camera ${id} is live, its current frame is taken`);
      const r = await previewCamera(cfg, cam, { atS: o.at });
      const out = o.out ?? `${id}-preview.jpg`;
      writeFileSync(out, r.jpeg, { mode: 0o640 });
      const ev = cam.events;
      const found = r.detections.map((d) => `${d.label} ${d.score.toFixed(2)}`).join(', ');
      process.stdout.write(
        `camera ${id}: frame ${r.frame.seq} at ${(r.frame.ptsMs / 1000).toFixed(1)} s, ${r.frame.sourceWidth}x${r.frame.sourceHeight}\n` +
          `  drawn: ${ev.zones.length} zone(s), ${ev.lines.length} line(s), ${ev.motion.masks.length} mask(s), ${r.detections.length} detection(s)${found ? `: ${found}` : ''}\n` +
          `  written ${out} (${r.width}x${r.height})\n`,
      );
    });
}

/** Grabs the frame, detects on it with the camera's model and filter, and renders the picture. */
export async function previewCamera(cfg: Config, cam: CameraConfig, o: { atS?: number }): Promise<PreviewResult> {
  const detector = await loadDetector(cam.model, { modelDir: cfg.modelDir, threads: cfg.detector.threads });
  try {
    const frame = await grabFrame(cam, cfg.video.decoder, o.atS);
    // The detector takes frames that fit its input; GStreamer gave the larger picture for the eye.
    const lb = letterboxSize(frame.width, frame.height, detector.inputWidth, detector.inputHeight);
    const fits = frame.width <= detector.inputWidth && frame.height <= detector.inputHeight;
    const small = fits ? frame : { ...frame, ...resizeBgr(frame, lb.width, lb.height) };
    const detections = await detector.detect(small, detectFilter(cam));
    const picture = renderPreview(frame, sceneOf(cam, detections, frame.sourceWidth, frame.sourceHeight));
    return { frame, detections, ...picture };
  } finally {
    await detector.stop();
  }
}

/** A live camera's frame once its stream has settled, or a file's first frame at or after `atS` (frames before are read and dropped). */
async function grabFrame(cam: CameraConfig, decoder: 'auto' | 'software', atS: number | undefined): Promise<Frame> {
  const live = isLiveUri(cam.source);
  // Files: every frame (no rate limit), so the media position of each is exact.
  const source = createCameraSource(live ? cam : { ...cam, detectFps: 0 }, { fitWidth: PREVIEW_FIT, fitHeight: PREVIEW_FIT, decoder });
  await source.start();
  let lastMs = -1;
  try {
    for (;;) {
      const frame = await source.next();
      if (!frame) {
        const why = lastMs < 0 ? 'the video gave no frame' : `the video ends at ${(lastMs / 1000).toFixed(1)} s, before --at ${atS} s`;
        throw new StreamError('decode', `camera ${cam.id}: ${why}`);
      }
      lastMs = frame.ptsMs;
      if (live ? frame.ptsMs >= LIVE_SETTLE_MS : atS === undefined || frame.ptsMs >= atS * 1000) return frame;
    }
  } finally {
    source.stop();
  }
}

function seconds(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('--at must be a number of seconds, 0 or more');
  return n;
}

function usage(message: string): void {
  process.stderr.write(`edge-agent: ${message}\n`);
  process.exitCode = EXIT.usage;
}
