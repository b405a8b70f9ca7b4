import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_FILTER } from '../config/cameraSchema.js';
import { loadDetector } from '../detect/loadDetector.js';
import { GstFrameSource } from '../stream/gstFrameSource.js';
import { rememberUriSecrets } from '../log/redact.js';
import { toSourceUri } from './sourceUri.js';

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('Run the detector on a video file or RTSP stream and print one JSON line per processed frame.')
    .argument('<uri>', 'video file path, file:// or rtsp:// URI')
    .option('-m, --model <id>', 'model id from models/manifest.json', 'yolox-nano-int8')
    .option('--fps <n>', 'frames per second to process', positive('--fps'), 5)
    .option('--frames <n>', 'stop after N processed frames', positive('--frames'))
    .option('--threshold <score>', 'minimum detection score (0..1)', positive('--threshold'), DEFAULT_FILTER.scoreThreshold)
    .option('--classes <list>', 'comma-separated COCO labels to keep', DEFAULT_FILTER.classes.join(','))
    .option('--threads <n>', 'inference threads (0 = one per core)', Number, 0)
    .option('--camera <id>', 'camera id printed in each line', 'cli')
    .option('--model-dir <dir>', 'folder searched first for model files')
    .option('--decoder <mode>', 'auto (prefer hardware) or software', 'auto')
    .addHelpText('after', '\nExample:\n  edge-agent detect ../shared/videos/vtest_h264.mp4 --frames 20\n\nOutput line:\n  {"camera":"cli","seq":0,"ts":1700000000000,"detections":[{"label":"person","score":0.87,"box":{"x1":..,"y1":..,"x2":..,"y2":..}}]}')
    .action(async (input: string, opts: DetectOptions) => {
      // The password in the URI must not come back in an error message, whatever GStreamer quotes.
      rememberUriSecrets(input);
      await detect(toSourceUri(input), opts);
    });
}

interface DetectOptions {
  model: string;
  fps: number;
  frames?: number;
  threshold: number;
  classes: string;
  threads: number;
  camera: string;
  modelDir?: string;
  decoder: 'auto' | 'software';
}

async function detect(uri: string, o: DetectOptions): Promise<void> {
  const detector = await loadDetector(o.model, { modelDir: o.modelDir, threads: o.threads });
  const source = new GstFrameSource({
    cameraId: o.camera,
    uri,
    maxFps: o.fps,
    fitWidth: detector.inputWidth,
    fitHeight: detector.inputHeight,
    rtspTransport: 'tcp',
    rtspLatencyMs: 200,
    stallTimeoutS: 10,
    decoder: o.decoder,
  });
  const filter = { ...DEFAULT_FILTER, classes: o.classes.split(',').map((c) => c.trim()), scoreThreshold: o.threshold };
  const stop = () => source.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await source.start();
    let n = 0;
    for (let frame = await source.next(); frame; frame = await source.next()) {
      const detections = await detector.detect(frame, filter);
      const shown = detections.map(({ label, score, box }) => ({ label, score, box }));
      process.stdout.write(`${JSON.stringify({ camera: frame.cameraId, seq: frame.seq, ts: frame.ts, detections: shown })}\n`);
      if (o.frames !== undefined && ++n >= o.frames) break;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    source.stop();
    await detector.stop();
  }
}
