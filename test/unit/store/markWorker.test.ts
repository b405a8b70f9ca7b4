import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../integration/uplink/support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('PUBACK marks in the background', () => {
  it('keep the process alive until they are committed, and no longer', () => {
    dir = tempDir('marks-');
    // A stop with nothing else on the event loop but the last batch being committed: the process
    // must wait for it (not exit 13, "unsettled top-level await"), commit it, and then exit.
    const script = join(dir, 'stop.mts');
    const src = (p: string) => JSON.stringify(pathToFileURL(join(ROOT, p)).href);
    writeFileSync(
      script,
      `import { Outbox } from ${src('src/store/outbox.ts')};
import { droppedRecord } from ${src('src/publish/payload.ts')};
import { outboxConfig, quietLog } from ${src('test/integration/uplink/support.ts')};
const ob = new Outbox(${JSON.stringify(join(dir, 'o.db'))}, outboxConfig(${JSON.stringify(dir)}, { retainDeliveredS: 0 }), (d) => droppedRecord('gw', d), quietLog());
ob.open();
for (let i = 0; i < 2000; i++) ob.insert({ id: 'a' + i, class: 'alert', ts: 1, topic: 'camera/c/alert/x', body: '{}' });
ob.markInBackground();
ob.markPublished(ob.pending(0, 1e12, 5000).map((r) => ({ seq: r.seq, id: r.id })), false);
await ob.stopMarking();
console.log('depth', ob.depth());
ob.close();
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('depth 0');
  });
});
