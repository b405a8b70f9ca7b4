import type { Detector } from './detector.js';
import { ensureModel, findModel } from './modelManifest.js';
import { OnnxDetector } from './onnxDetector.js';

export interface DetectorOptions {
  /** Configured model folder, searched before $EDGE_AGENT_MODEL_DIR and ../shared/models. */
  modelDir?: string;
  /** Intra-op threads; 0 = one per core. */
  threads?: number;
}

/** Finds (by sha256), loads and starts a model from models/manifest.json. Throws ModelError. */
export async function loadDetector(modelId: string, options: DetectorOptions = {}): Promise<Detector> {
  const spec = findModel(modelId);
  const path = await ensureModel(spec, { configuredDir: options.modelDir });
  const detector = new OnnxDetector(spec, path, { threads: options.threads ?? 0 });
  await detector.start();
  return detector;
}
