import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelError } from '../errors.js';
import { LABEL_SETS } from './labels.js';

export interface ModelInput {
  name: string;
  shape: [number, number, number, number];
  layout: 'NCHW';
  colour: 'BGR' | 'RGB';
  pad: number;
}

export interface ModelSpec {
  id: string;
  file: string;
  sha256: string;
  size: number;
  license: string;
  source: string | null;
  input: ModelInput;
  output: { name: string; decoder: 'yolox'; strides: number[] };
  labels: string;
}

/** The project's root folder (where package.json is), whether running from src/ or dist/src/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the edge-agent project folder');
    dir = up;
  }
  return dir;
}

export function readManifest(path = join(projectRoot(), 'models', 'manifest.json')): ModelSpec[] {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { models: ModelSpec[] };
  return parsed.models;
}

export function findModel(id: string, manifest = readManifest()): ModelSpec {
  const spec = manifest.find((m) => m.id === id);
  if (!spec) {
    throw new ModelError(`unknown model "${id}"; models/manifest.json lists: ${manifest.map((m) => m.id).join(', ')}`);
  }
  return spec;
}

export function labelsOf(spec: ModelSpec): readonly string[] {
  const labels = LABEL_SETS[spec.labels];
  if (!labels) throw new ModelError(`model "${spec.id}" names unknown label set "${spec.labels}"`);
  return labels;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Folders searched for model files, in order: the configured one, $EDGE_AGENT_MODEL_DIR, ../shared/models. */
export function modelSearchDirs(configured?: string): string[] {
  const root = projectRoot();
  const dirs = [configured, process.env['EDGE_AGENT_MODEL_DIR'], join(root, '..', 'shared', 'models')];
  return dirs.filter((d): d is string => Boolean(d)).map((d) => resolve(d));
}

/**
 * Returns the path of a verified copy of the model: models/ first, then the search folders (used in
 * place, so weights are not duplicated on a small gateway's disk), then a download into models/.
 * Throws ModelError naming every place tried when no copy with the right sha256 can be found.
 */
export async function ensureModel(spec: ModelSpec, options: { configuredDir?: string; offline?: boolean } = {}): Promise<string> {
  const target = join(projectRoot(), 'models', spec.file);
  const tried: string[] = [];
  for (const candidate of [target, ...modelSearchDirs(options.configuredDir).map((dir) => join(dir, spec.file))]) {
    if (!existsSync(candidate)) {
      tried.push(`${candidate}: not there`);
    } else if (sha256File(candidate) !== spec.sha256) {
      tried.push(`${candidate}: sha256 differs from the manifest`);
    } else {
      return candidate;
    }
  }
  if (spec.source && !options.offline) {
    try {
      const res = await fetch(spec.source, { signal: AbortSignal.timeout(60_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const bytes = Buffer.from(await res.arrayBuffer());
      const sum = createHash('sha256').update(bytes).digest('hex');
      if (sum !== spec.sha256) throw new Error(`downloaded file has sha256 ${sum}, manifest says ${spec.sha256}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(`${target}.part`, bytes);
      renameSync(`${target}.part`, target);
      return target;
    } catch (err) {
      tried.push(`${spec.source}: ${(err as Error).message}${(err as Error).cause ? ` (${String((err as Error).cause)})` : ''}`);
    }
  } else {
    tried.push(spec.source ? `${spec.source}: not tried (offline)` : 'no download address (the file is a local derivative)');
  }
  throw new ModelError(
    `model "${spec.id}" (${spec.file}, sha256 ${spec.sha256.slice(0, 12)}…) was not found:\n  ${tried.join('\n  ')}\n` +
      'Put the file in one of those folders or set EDGE_AGENT_MODEL_DIR, then run scripts/fetch-models.',
  );
}
