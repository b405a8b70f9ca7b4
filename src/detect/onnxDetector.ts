import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { ModelError } from '../errors.js';
import type { Detection, Frame } from '../types.js';
import type { DetectFilter, Detector } from './detector.js';
import { letterboxOf } from './letterbox.js';
import { labelsOf, type ModelSpec } from './modelManifest.js';
import { Preprocessor } from './preprocess.js';
import { YoloxDecoder } from './yoloxDecoder.js';

export interface OnnxOptions {
  /** Threads for one inference (intra-op). 0 lets onnxruntime pick (one per core). */
  threads: number;
}

/** The only module that imports onnxruntime-node. */
export class OnnxDetector implements Detector {
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly lastTimings = { preMs: 0, inferMs: 0, postMs: 0 };
  maxBatch = 1;
  private session: ort.InferenceSession | undefined;
  private readonly pre: Preprocessor;
  private readonly decoder: YoloxDecoder;
  private readonly labels: readonly string[];
  private readonly classIdCache = new Map<readonly string[], number[]>();
  private tensor: ort.Tensor | undefined;

  constructor(
    private readonly spec: ModelSpec,
    private readonly path: string,
    private readonly options: OnnxOptions,
  ) {
    const [, , h, w] = spec.input.shape;
    this.inputWidth = w;
    this.inputHeight = h;
    this.labels = labelsOf(spec);
    this.pre = new Preprocessor(w, h, spec.input.pad, spec.input.colour);
    this.decoder = new YoloxDecoder(w, h, spec.output.strides, this.labels);
  }

  get modelId(): string {
    return this.spec.id;
  }

  async start(): Promise<void> {
    if (this.session) return;
    try {
      this.session = await ort.InferenceSession.create(this.path, {
        // 0 is resolved here, not by onnxruntime: its own count reads /sys, and where /sys is absent
        // or hides the CPUs (some containers, emulated roots) it falls back to a single thread.
        intraOpNumThreads: this.options.threads > 0 ? this.options.threads : availableParallelism(),
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
    } catch (err) {
      throw new ModelError(`cannot load model "${this.spec.id}" from ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    if (!this.session.inputNames.includes(this.spec.input.name) || !this.session.outputNames.includes(this.spec.output.name)) {
      throw new ModelError(
        `model "${this.spec.id}" has inputs [${this.session.inputNames}] and outputs [${this.session.outputNames}]; ` +
          `the manifest expects ${this.spec.input.name} → ${this.spec.output.name}`,
      );
    }
    // Both YOLOX-Nano exports fix the batch at 1; a symbolic first dimension would allow batching.
    const meta = (this.session as unknown as { inputMetadata?: { name: string; shape?: unknown[] }[] }).inputMetadata;
    const dim = meta?.find((m) => m.name === this.spec.input.name)?.shape?.[0];
    this.maxBatch = typeof dim === 'number' && dim > 0 ? dim : dim === undefined ? 1 : 64;
    // The tensor wraps the preprocessor's buffer, so each frame only rewrites the numbers in place.
    this.tensor = new ort.Tensor('float32', this.pre.data, this.spec.input.shape);
  }

  async detect(frame: Frame, filter: DetectFilter): Promise<Detection[]> {
    const t0 = performance.now();
    this.pre.fill(frame);
    const t1 = performance.now();
    const out = await this.run();
    const t2 = performance.now();
    const lb = letterboxOf(frame.sourceWidth, frame.sourceHeight, frame.width, frame.height);
    const dets = this.decoder.decode(out, lb, frame.sourceWidth, frame.sourceHeight, {
      scoreThreshold: filter.scoreThreshold,
      nmsIou: filter.nmsIou,
      crossClassIou: filter.crossClassIou,
      classIds: this.classIds(filter.classes),
    });
    const t3 = performance.now();
    this.lastTimings.preMs = t1 - t0;
    this.lastTimings.inferMs = t2 - t1;
    this.lastTimings.postMs = t3 - t2;
    return dets;
  }

  async inferRaw(input: Float32Array): Promise<Float32Array> {
    this.pre.data.set(input);
    return this.run();
  }

  async stop(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    this.tensor = undefined;
    await s?.release();
  }

  private async run(): Promise<Float32Array> {
    if (!this.session || !this.tensor) throw new ModelError(`model "${this.spec.id}" is not started`);
    const result = await this.session.run({ [this.spec.input.name]: this.tensor });
    const out = result[this.spec.output.name];
    if (!out) throw new ModelError(`model "${this.spec.id}" returned no "${this.spec.output.name}"`);
    return out.data as Float32Array;
  }

  private classIds(classes: readonly string[]): number[] {
    let ids = this.classIdCache.get(classes);
    if (!ids) {
      ids = classes.map((c) => {
        const i = this.labels.indexOf(c);
        if (i < 0) throw new ModelError(`class "${c}" is not a label of model "${this.spec.id}"`);
        return i;
      });
      this.classIdCache.set(classes, ids);
    }
    return ids;
  }
}
