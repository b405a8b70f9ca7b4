import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { DEFAULT_FILTER } from '../src/config/cameraSchema.js';
import { loadDetector } from '../src/detect/loadDetector.js';
import { projectRoot } from '../src/detect/modelManifest.js';
import { GstFrameSource } from '../src/stream/gstFrameSource.js';

export interface ModelFigures {
  model_only_fps: number;
  pipeline_fps: number;
  ratio: number;
  stage_ms: { frame_wait: number; preprocess: number; infer: number; postprocess: number };
  cpu_pct: number;
  rss_mb: number;
  frames: number;
  threads: number;
}

const CLIP = join(projectRoot(), '..', 'shared', 'videos', 'vtest_h264.mp4');
const FILTER = DEFAULT_FILTER;

/**
 * Model-only: the same session fed a tensor made from a real frame, back to back. Pipeline: decode,
 * scale (GStreamer), pre-process, infer and post-process on the street clip at its full 10 fps.
 */
export async function benchModel(modelId: string, o: { frames: number; threads: number }): Promise<ModelFigures> {
  const detector = await loadDetector(modelId, { threads: o.threads });
  const source = new GstFrameSource({
    cameraId: 'bench', uri: pathToFileURL(CLIP).href, maxFps: 10, fitWidth: detector.inputWidth,
    fitHeight: detector.inputHeight, rtspTransport: 'tcp', rtspLatencyMs: 0, stallTimeoutS: 30,
  });
  await source.start();
  const first = (await source.next())!;
  await detector.detect(first, FILTER); // warm-up, and fills the input tensor from a real frame
  const input = new Float32Array(3 * detector.inputWidth * detector.inputHeight);
  // The detector's own buffer now holds the frame; inferRaw copies it in each time, as a caller would.
  for (let i = 0; i < 3; i++) await detector.inferRaw(input);

  const n = o.frames;
  let t = performance.now();
  for (let i = 0; i < n; i++) await detector.inferRaw(input);
  const modelOnlyFps = (n * 1000) / (performance.now() - t);

  const sum = { frame_wait: 0, preprocess: 0, infer: 0, postprocess: 0 };
  const cpu0 = process.cpuUsage();
  t = performance.now();
  let done = 0;
  while (done < n) {
    const w0 = performance.now();
    const frame = await source.next();
    sum.frame_wait += performance.now() - w0;
    if (!frame) break; // clip shorter than requested: figures are per frame anyway
    await detector.detect(frame, FILTER);
    sum.preprocess += detector.lastTimings.preMs;
    sum.infer += detector.lastTimings.inferMs;
    sum.postprocess += detector.lastTimings.postMs;
    done++;
  }
  const wallMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  source.stop();
  await detector.stop();
  const pipelineFps = (done * 1000) / wallMs;
  return {
    model_only_fps: round(modelOnlyFps),
    pipeline_fps: round(pipelineFps),
    ratio: round(pipelineFps / modelOnlyFps, 3),
    stage_ms: {
      frame_wait: round(sum.frame_wait / done, 3),
      preprocess: round(sum.preprocess / done, 3),
      infer: round(sum.infer / done, 3),
      postprocess: round(sum.postprocess / done, 3),
    },
    // Percent of one core, as top shows it; 200% is both cores of a 2-core gateway.
    cpu_pct: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 1),
    rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    frames: done,
    threads: o.threads,
  };
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
