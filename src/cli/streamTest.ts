import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { detectFilter, type CameraConfig } from '../config/cameraSchema.js';
import type { Config } from '../config/schema.js';
import { loadDetector } from '../detect/loadDetector.js';
import { createCameraSource } from '../stream/createSource.js';
import { renderPreview, sceneOf } from '../track/previewPicture.js';
import type { Detection, Frame } from '../types.js';
import type { StreamTestReport } from './cameraCommands.js';

/**
 * `camera test`: first pulls every frame the camera sends for half the time (decode cost and the
 * camera's real frame rate), then runs detection at the configured rate for the other half, and
 * saves the last detected frame with its boxes drawn.
 */
export async function testCameraStream(cfg: Config, cam: CameraConfig, o: { seconds: number; snapshotPath: string }): Promise<StreamTestReport> {
  const detector = await loadDetector(cam.model, { modelDir: cfg.modelDir, threads: cfg.detector.threads });
  const sizing = { fitWidth: detector.inputWidth, fitHeight: detector.inputHeight, decoder: cfg.video.decoder };
  try {
    // detectFps 0: no rate limit, so the camera's own frame rate and full decode cost are measured.
    const decode = await pullFor({ ...cam, detectFps: 0 }, sizing, (o.seconds * 1000) / 2, async () => undefined);
    let last: { frame: Frame; detections: Detection[] } | undefined;
    let inferMs = 0;
    const filter = detectFilter(cam);
    const detect = await pullFor(cam, sizing, (o.seconds * 1000) / 2, async (frame) => {
      const detections = await detector.detect(frame, filter);
      inferMs += detector.lastTimings.preMs + detector.lastTimings.inferMs + detector.lastTimings.postMs;
      last = { frame, detections };
    });
    if (last) {
      // The same picture as `camera preview`: zones, lines, masks and the detections drawn on.
      const { frame, detections } = last;
      writeFileSync(o.snapshotPath, renderPreview(frame, sceneOf(cam, detections, frame.sourceWidth, frame.sourceHeight)).jpeg);
    }
    return {
      codec: codecOf(decode.decoder),
      width: decode.width,
      height: decode.height,
      decodedFps: decode.frames / decode.seconds,
      // Whole-process CPU per frame while only decoding and scaling: what one more camera costs.
      decodeMsPerFrame: decode.frames > 0 ? decode.cpuMs / decode.frames : 0,
      inferenceMsPerFrame: detect.frames > 0 ? inferMs / detect.frames : 0,
      framesDecoded: decode.frames,
      framesDetected: detect.frames,
      snapshotPath: last ? o.snapshotPath : '(no frame)',
    };
  } finally {
    await detector.stop();
  }
}

interface PullResult {
  frames: number;
  seconds: number;
  cpuMs: number;
  width: number;
  height: number;
  decoder: string | undefined;
}

async function pullFor(
  cam: CameraConfig,
  sizing: Parameters<typeof createCameraSource>[1],
  durationMs: number,
  onFrame: (frame: Frame) => Promise<void>,
): Promise<PullResult> {
  const source = createCameraSource(cam, sizing);
  await source.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let frames = 0;
  let size = { width: 0, height: 0 };
  try {
    for (let f = await source.next(); f && performance.now() - t0 < durationMs; f = await source.next()) {
      frames++;
      size = { width: f.sourceWidth, height: f.sourceHeight };
      await onFrame(f);
    }
  } finally {
    source.stop();
  }
  const cpu = process.cpuUsage(cpu0);
  return { frames, seconds: (performance.now() - t0) / 1000, cpuMs: (cpu.user + cpu.system) / 1000, ...size, decoder: source.decoderName };
}

/** "H.264 (avdec_h264-0)": the codec a technician asked about, and the decoder GStreamer chose for it. */
function codecOf(decoder: string | undefined): string {
  if (!decoder) return 'unknown codec';
  const codec = /265|hevc/i.test(decoder) ? 'H.265' : /264|avc/i.test(decoder) ? 'H.264' : /jpeg/i.test(decoder) ? 'MJPEG' : 'video';
  return `${codec} (${decoder})`;
}
