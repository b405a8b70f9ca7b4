import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { StreamError, redactUri } from '../errors.js';
import type { Frame } from '../types.js';
import { classifyBusError } from './busErrors.js';
import type { FrameSource } from './frameSource.js';
import { buildPipeline, decoderRanks, FRAME_SINK, GREY_SINK, isLiveUri, PROBE_SINK, RATE_ELEMENT } from './pipelineSpec.js';

// The only module that imports gstreamer-superficial. It is loaded lazily so that the decoder
// ranks (read by GStreamer once, when it initialises) can be set from the config first.
type Gst = typeof import('gstreamer-superficial');
let gstModule: Promise<Gst> | undefined;

export function initGstreamer(decoder: 'auto' | 'software'): Promise<Gst> {
  if (!gstModule) {
    const own = decoderRanks(decoder);
    const prior = process.env['GST_PLUGIN_FEATURE_RANK'];
    process.env['GST_PLUGIN_FEATURE_RANK'] = prior ? `${own},${prior}` : own;
    // The package's entry point is the .node addon itself, which only require() can load.
    gstModule = Promise.resolve(createRequire(import.meta.url)('gstreamer-superficial') as Gst);
  }
  return gstModule;
}

/**
 * Pipelines not yet stopped. A pull or bus poll blocked in a pool thread would make the process's
 * exit wait for it for ever; stopping the pipeline releases it, so every exit stops them first.
 */
const open = new Set<{ stop(): void }>();
process.on('exit', () => {
  for (const pipeline of open) pipeline.stop();
});

export interface GstSourceOptions {
  cameraId: string;
  uri: string;
  maxFps: number;
  fitWidth: number;
  fitHeight: number;
  rtspTransport: 'tcp' | 'udp' | 'auto';
  rtspLatencyMs: number;
  /** No frame for this long is a 'stalled' StreamError. */
  stallTimeoutS: number;
  grey?: { width: number; height: number };
  decoder?: 'auto' | 'software';
}

interface Sink {
  pull(cb: (buf: Buffer | null, caps: Record<string, unknown>) => void): void;
  [prop: string]: unknown;
}

interface Sample {
  buf: Buffer | null;
  caps: Record<string, unknown>;
}

/** Decodes one URI with GStreamer and delivers scaled BGR frames (and optional grey frames). */
export class GstFrameSource implements FrameSource {
  readonly live: boolean;
  /** Name of the decoder element GStreamer chose (e.g. avdec_h264-0, v4l2h264dec0), once known. */
  decoderName: string | undefined;
  private pipeline: InstanceType<Gst['Pipeline']> | undefined;
  private frameSink: Sink | undefined;
  private greySink: Sink | undefined;
  private probeSink: Sink | undefined;
  private rate: Record<string, unknown> | undefined;
  private failure: StreamError | undefined;
  private failed: (() => void) | undefined;
  private seq = 0;
  private startWallMs = 0;
  private sourceSize: { width: number; height: number } | undefined;
  private fps = 0;
  private stopped = false;

  constructor(private readonly o: GstSourceOptions) {
    this.live = isLiveUri(o.uri);
  }

  async start(): Promise<void> {
    if (this.o.uri.startsWith('file://')) {
      const path = fileURLToPath(this.o.uri);
      if (!existsSync(path)) throw new StreamError('not-found', `video file not found: ${path}`);
    }
    const gst = await initGstreamer(this.o.decoder ?? 'auto');
    const launch = buildPipeline({ ...this.o, live: this.live });
    try {
      this.pipeline = new gst.Pipeline(launch);
    } catch (err) {
      throw new StreamError('missing-plugin', `GStreamer cannot build the pipeline: ${(err as Error).message}; run scripts/setup to install the plugins`, { cause: err });
    }
    this.frameSink = this.pipeline.findChild(FRAME_SINK) as unknown as Sink;
    this.greySink = this.o.grey ? (this.pipeline.findChild(GREY_SINK) as unknown as Sink) : undefined;
    this.probeSink = this.pipeline.findChild(PROBE_SINK) as unknown as Sink;
    this.rate = this.pipeline.findChild(RATE_ELEMENT);
    // The bus is polled by a worker thread blocked in gst_bus_timed_pop; it only stops once it sees
    // the pipeline in NULL state. With auto-flush on, the messages of the final state change are
    // flushed away, the worker waits forever and the process cannot exit.
    (this.pipeline as unknown as Record<string, unknown>)['auto-flush-bus'] = false;
    this.pipeline.pollBus((msg: Record<string, unknown>) => this.onBus(msg));
    this.startWallMs = Date.now();
    open.add(this.pipeline);
    this.pipeline.play();
  }

  /** Next frame, or null at the end of a file. Rejects with StreamError on failure or stall. */
  async next(): Promise<Frame | null> {
    if (this.failure) throw this.failure;
    if (!this.frameSink) throw new StreamError('pipeline', `source for ${this.o.cameraId} is not started`);
    const pulls = [pull(this.frameSink), this.greySink ? pull(this.greySink) : Promise.resolve(undefined)] as const;
    const [frame, grey] = await this.withStall(Promise.all(pulls));
    if (this.failure) throw this.failure;
    if (!frame.buf) {
      if (this.stopped) return null;
      if (this.live) throw new StreamError('connection', `camera ${this.o.cameraId} ended its stream (${redactUri(this.o.uri)})`);
      return null;
    }
    return this.toFrame(frame, grey);
  }

  /**
   * Frames the camera delivered at the detect rate since start: the rate limiter's output less the
   * copies it made of a slow camera's frames. A synchronous property read (no copy, no thread).
   * Undefined without a rate limiter (unlimited rate).
   */
  offeredFrames(): number | undefined {
    if (!this.rate) return undefined;
    const out = Number(this.rate['out']);
    const duplicated = Number(this.rate['duplicate']) || 0;
    return Number.isFinite(out) ? out - duplicated : undefined;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.pipeline?.stop();
    if (this.pipeline) open.delete(this.pipeline);
  }

  private toFrame(frame: Sample, grey: Sample | undefined): Frame {
    const width = Number(frame.caps['width']);
    const height = Number(frame.caps['height']);
    if (!this.sourceSize) this.readProbe();
    const now = Date.now();
    // Files: media position from the delivered frame rate, so a replay is reproducible.
    // Live: arrival time, the best capture time a camera's RTP stream gives without RTCP sync.
    const ptsMs = !this.live && this.fps > 0 ? (this.seq * 1000) / this.fps : now - this.startWallMs;
    const out: Frame = {
      cameraId: this.o.cameraId,
      seq: this.seq++,
      ts: this.live ? now : Math.round(this.startWallMs + ptsMs),
      ptsMs: Math.round(ptsMs),
      sourceWidth: this.sourceSize?.width ?? width,
      sourceHeight: this.sourceSize?.height ?? height,
      data: frame.buf!,
      width,
      height,
    };
    if (grey?.buf) {
      out.grey = { data: grey.buf, width: Number(grey.caps['width']), height: Number(grey.caps['height']) };
    }
    return out;
  }

  private readProbe(): void {
    const sample = this.probeSink?.['last-sample'] as Sample | null | undefined;
    const caps = sample?.caps;
    if (caps && Number(caps['width']) > 0) {
      this.sourceSize = { width: Number(caps['width']), height: Number(caps['height']) };
      this.fps = parseFraction(caps['framerate']);
    }
  }

  private onBus(msg: Record<string, unknown>): void {
    const type = String(msg['type']);
    const src = String(msg['_src_element_name'] ?? '');
    if (type === 'state-changed' && /dec/.test(src) && !/^(dec|decodebin|uridecodebin|src)/.test(src)) {
      this.decoderName ??= src;
    } else if (type === 'error' && !this.failure) {
      this.failure = classifyBusError(String(msg['message'] ?? ''), String(msg['name'] ?? src), String(msg['debug'] ?? ''), {
        cameraId: this.o.cameraId,
        uri: redactUri(this.o.uri),
      });
      this.failed?.();
      // Stopping releases the blocked pulls (they return null), so next() can report the failure.
      this.pipeline?.stop();
    }
  }

  private stallError(): StreamError {
    const where = redactUri(this.o.uri);
    // A file that never yields a first frame is damaged: GStreamer (1.22) sometimes hangs on a
    // truncated MP4 instead of posting "no playable streams", and only this timer notices.
    if (!this.live && this.seq === 0) {
      return new StreamError('decode', `video file gave no frame in ${this.o.stallTimeoutS} s (${where}): it is damaged or truncated`);
    }
    return new StreamError('stalled', `camera ${this.o.cameraId} sent no frame for ${this.o.stallTimeoutS} s (${where})`);
  }

  private withStall<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.failure ??= this.stallError();
        reject(this.failure);
        this.pipeline?.stop();
      }, this.o.stallTimeoutS * 1000);
      this.failed = () => {
        clearTimeout(timer);
        reject(this.failure);
      };
      work.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}

function pull(sink: Sink): Promise<Sample> {
  return new Promise((resolve) => sink.pull((buf, caps) => resolve({ buf, caps })));
}

function parseFraction(v: unknown): number {
  const m = /^(\d+)\/(\d+)$/.exec(String(v ?? ''));
  if (!m || Number(m[2]) === 0) return 0;
  return Number(m[1]) / Number(m[2]);
}
