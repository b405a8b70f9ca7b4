import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { composeAgent } from '../src/compose.js';
import { DEFAULT_FILTER } from '../src/config/cameraSchema.js';
import { loadConfig } from '../src/config/loadConfig.js';
import { loadDetector } from '../src/detect/loadDetector.js';
import { projectRoot } from '../src/detect/modelManifest.js';
import { createLogger } from '../src/log/logger.js';
import { GstFrameSource } from '../src/stream/gstFrameSource.js';
import { benchEvents, type BenchFrame } from '../src/track/benchEvents.js';

export interface EventFigures {
  /** Tracker and rules (config/example.yaml's street camera) per frame, on real detections. */
  track_rules_ms_per_frame: number;
  frames: number;
  /** Share of frames the motion gate kept from the detector on a quiet clip, in the full pipeline. */
  motion_skip_fraction_quiet: number;
  quiet_clip: string;
  /** Wall time per frame of that run: decode, gate, inference when needed, tracking, rules. */
  quiet_pipeline_ms_per_frame: number;
}

const SHARED = join(projectRoot(), '..', 'shared', 'videos');
const EXAMPLE = join(projectRoot(), 'config', 'example.yaml');

export async function benchEventFigures(frames: number): Promise<EventFigures> {
  const cfg = loadConfig(EXAMPLE);
  const street = cfg.cameras[0]!;
  const sequence = await recordDetections(join(SHARED, 'vtest_h264.mp4'), street.model, frames);
  // Repeat the recording so the timing covers enough frames to be stable.
  const long = Array.from({ length: 5 }, (_, r) => sequence.map((f) => ({ ...f, ts: f.ts + r * 100_000 }))).flat();
  const events = benchEvents(long, street.events, createLogger('silent'));

  const quiet = join(SHARED, 'car-detection.mp4');
  const one = {
    ...cfg,
    storage: { ...cfg.storage, snapshotDir: '/tmp/edge-agent-bench-snapshots' },
    cameras: [{ ...street, source: pathToFileURL(quiet).href, events: { ...street.events, rules: [], lines: [] } }],
  };
  const agent = await composeAgent(one, EXAMPLE, createLogger('silent'), { sink: { emit: () => undefined } });
  const t0 = performance.now();
  await agent.start();
  await agent.done();
  await agent.stop();
  const wallMs = performance.now() - t0;
  const stats = agent.stage(street.id)!.stats();
  const total = stats.framesProcessed + stats.framesSkipped;
  return {
    track_rules_ms_per_frame: round(events.trackRulesMsPerFrame, 4),
    frames: events.frames,
    motion_skip_fraction_quiet: round(total ? stats.framesSkipped / total : 0, 3),
    quiet_clip: 'car-detection.mp4',
    quiet_pipeline_ms_per_frame: round(total ? wallMs / total : 0, 2),
  };
}

async function recordDetections(clip: string, modelId: string, frames: number): Promise<BenchFrame[]> {
  const detector = await loadDetector(modelId);
  const source = new GstFrameSource({
    cameraId: 'bench', uri: pathToFileURL(clip).href, maxFps: 5, fitWidth: detector.inputWidth,
    fitHeight: detector.inputHeight, rtspTransport: 'tcp', rtspLatencyMs: 0, stallTimeoutS: 30,
  });
  await source.start();
  const out: BenchFrame[] = [];
  for (let f = await source.next(); f && out.length < frames; f = await source.next()) {
    out.push({ ts: f.ts, sourceWidth: f.sourceWidth, sourceHeight: f.sourceHeight, detections: await detector.detect(f, DEFAULT_FILTER) });
  }
  source.stop();
  await detector.stop();
  return out;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
