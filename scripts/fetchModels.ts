import { ensureModel, readManifest } from '../src/detect/modelManifest.js';
import { ModelError } from '../src/errors.js';

// Usage: fetch-models [model-id ...]   (all models of the manifest by default)
const wanted = process.argv.slice(2);
const models = readManifest().filter((m) => wanted.length === 0 || wanted.includes(m.id));
let failed = 0;
for (const spec of models) {
  try {
    const path = await ensureModel(spec);
    process.stdout.write(`fetch-models: ${spec.id} ok (${path})\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`fetch-models: ${err instanceof ModelError ? err.message : String(err)}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
