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
  /** Median of the per-round pipeline/model-only ratios (rounds alternate A B A B ...), with min and max. */
  ratio: number;
  ratio_min: number;
  ratio_max: number;
  rounds: number;
  /** Largest batch the model's input accepts (1: frames cannot be batched across cameras). */
  max_batch: number;
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
  const maxBatch = detector.maxBatch;
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

  // Model-only (A) and pipeline (B) alternate in short rounds, A B A B ...: on a shared, noisy
  // machine a slow spell then hits both sides of a pair, and the per-pair ratios stay honest.
  const rounds = Math.max(2, Math.min(10, Math.floor(o.frames / 20)));
  const per = Math.max(1, Math.floor(o.frames / rounds));
  const sum = { frame_wait: 0, preprocess: 0, infer: 0, postprocess: 0 };
  const ratios: number[] = [];
  let modelMs = 0;
  let modelFrames = 0;
  let wallMs = 0;
  let done = 0;
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    for (let i = 0; i < per; i++) await detector.inferRaw(input);
    const aMs = performance.now() - t;
    modelMs += aMs;
    modelFrames += per;
    t = performance.now();
    let got = 0;
    while (got < per) {
      const w0 = performance.now();
      const frame = await source.next();
      sum.frame_wait += performance.now() - w0;
      if (!frame) break; // clip shorter than requested: figures are per frame anyway
      await detector.detect(frame, FILTER);
      sum.preprocess += detector.lastTimings.preMs;
      sum.infer += detector.lastTimings.inferMs;
      sum.postprocess += detector.lastTimings.postMs;
      got++;
    }
    const bMs = performance.now() - t;
    wallMs += bMs;
    done += got;
    if (got > 0) ratios.push(got / bMs / (per / aMs));
    if (got < per) break;
  }
  const modelOnlyFps = (modelFrames * 1000) / modelMs;
  const cpu = process.cpuUsage(cpu0);
  source.stop();
  await detector.stop();
  const pipelineFps = (done * 1000) / wallMs;
  return {
    model_only_fps: round(modelOnlyFps),
    pipeline_fps: round(pipelineFps),
    ratio: round(median(ratios), 3),
    ratio_min: round(Math.min(...ratios), 3),
    ratio_max: round(Math.max(...ratios), 3),
    rounds: ratios.length,
    max_batch: maxBatch,
    stage_ms: {
      frame_wait: round(sum.frame_wait / done, 3),
      preprocess: round(sum.preprocess / done, 3),
      infer: round(sum.infer / done, 3),
      postprocess: round(sum.postprocess / done, 3),
    },
    // Percent of one core during the pipeline rounds and model rounds together, as top shows it.
    cpu_pct: round(((cpu.user + cpu.system) / 1000 / (wallMs + modelMs)) * 100, 1),
    rss_mb: round(process.resourceUsage().maxRSS / 1024, 1),
    frames: done,
    threads: o.threads,
  };
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function round(v: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
