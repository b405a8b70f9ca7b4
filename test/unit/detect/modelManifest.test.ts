import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureModel, findModel, readManifest, sha256File, type ModelSpec } from '../../../src/detect/modelManifest.js';
import { ModelError } from '../../../src/errors.js';
import { SHARED, tempDir } from '../../helpers/media.js';

describe('model manifest', () => {
  it('lists both models with their sha256, licence and input format', () => {
    const ids = readManifest().map((m) => m.id);
    expect(ids).toEqual(['yolox-nano-int8', 'yolox-nano']);
    const int8 = findModel('yolox-nano-int8');
    expect(int8).toMatchObject({ license: 'Apache-2.0', input: { shape: [1, 3, 416, 416], colour: 'BGR', pad: 114 }, labels: 'coco80' });
    expect(sha256File(join(SHARED, 'models', int8.file))).toBe(int8.sha256);
  });

  it('finds a file by sha256 in a configured folder first', async () => {
    const dir = tempDir();
    const spec: ModelSpec = { ...findModel('yolox-nano-int8'), file: 'configured-copy.onnx' };
    copyFileSync(join(SHARED, 'models', 'yolox_nano_int8.onnx'), join(dir, spec.file));
    const path = await ensureModel(spec, { configuredDir: dir });
    expect(path).toBe(join(dir, spec.file));
    expect(sha256File(path)).toBe(spec.sha256);
  });

  it('skips a file whose sha256 differs, and names every place it tried', async () => {
    const dir = tempDir();
    const spec: ModelSpec = { ...findModel('yolox-nano'), file: 'edge-test-absent.onnx', source: 'http://127.0.0.1:9/absent.onnx' };
    writeFileSync(join(dir, spec.file), 'not a model');
    const err = await ensureModel(spec, { configuredDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    const msg = (err as ModelError).message;
    expect(msg).toContain(`${join(dir, spec.file)}: sha256 differs from the manifest`);
    expect(msg).toContain(`${join(SHARED, 'models', spec.file)}: not there`);
    expect(msg).toContain('http://127.0.0.1:9/absent.onnx: fetch failed');
    expect(msg).toContain('set EDGE_AGENT_MODEL_DIR');
  });

  it('rejects an unknown model id', () => {
    expect(() => findModel('nope')).toThrow(/unknown model "nope"; models\/manifest.json lists: yolox-nano-int8, yolox-nano/);
  });
});
