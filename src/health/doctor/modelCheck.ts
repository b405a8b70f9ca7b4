import { ModelError } from '../../errors.js';
import { ensureModel, findModel, sha256File } from '../../detect/modelManifest.js';
import { row, type Check, type CheckRow } from './check.js';

// Each model the cameras use: found on this machine by its sha256, exactly as the agent will look for
// it at start, but never downloaded (doctor must not reach for the internet).

export function modelCheck(modelIds: string[], modelDir: string | undefined): Check {
  return {
    name: 'models',
    timeoutMs: 8000,
    async run() {
      const rows: CheckRow[] = [];
      for (const id of modelIds) rows.push(await oneModel(id, modelDir));
      return rows;
    },
  };
}

async function oneModel(id: string, modelDir: string | undefined): Promise<CheckRow> {
  const name = `model ${id}`;
  try {
    const spec = findModel(id);
    const path = await ensureModel(spec, { configuredDir: modelDir, offline: true });
    // ensureModel verified it; the row shows the sum a person can compare with the manifest.
    return row(name, 'pass', `${path} sha256 ${sha256File(path).slice(0, 16)}… matches the manifest`);
  } catch (err) {
    if (!(err instanceof ModelError)) throw err;
    const [first, ...tried] = err.message.split('\n');
    const places = tried.filter((l) => l.startsWith('  ')).map((l) => l.trim());
    return row(
      name,
      'fail',
      `${first}${places.length ? ` tried: ${places.join('; ')}` : ''}`,
      'copy the file into models/ or the config\'s model_dir (or set EDGE_AGENT_MODEL_DIR), then run scripts/fetch-models',
    );
  }
}
