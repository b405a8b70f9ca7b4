import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/central/sqliteStore.js';
import type { Uplink } from '../../../src/publish/uplink.js';
import { runCli, type CliResult } from '../../helpers/media.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { freePort } from '../../helpers/ports.js';
import { Collector, makeAlert, tempDir, waitFor } from '../uplink/support.js';
import { getJson, startGateway, writeCentralConfig } from './support.js';

// `edge-agent central` as processes (the built CLI, dist/): two instances on one shared
// subscription split the messages; one killed mid-stream loses nothing, because acks follow commits
// and the gateways send again what was not acked.

interface Instance {
  http: string;
  kill(sig: NodeJS.Signals): void;
  done: Promise<CliResult>;
}

async function startInstance(dir: string, name: string, brokerUrl: string, extra: Record<string, unknown> = {}): Promise<Instance> {
  const port = await freePort();
  const broker = { urls: [brokerUrl], client_id: name, reconnect_min_ms: 100, reconnect_max_ms: 1000 };
  const cfg = writeCentralConfig(dir, brokerUrl, ['gw-s1', 'gw-s2'], { broker, http: { port }, store: { sqlite: 'shared.db' }, ...extra }, `${name}.yaml`);
  let kill: (sig: NodeJS.Signals) => void = () => undefined;
  const done = runCli(['central', '--config', cfg], { timeoutMs: 170_000, onSpawn: (k) => (kill = k) });
  const http = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await getJson<{ connected: boolean }>(`${http}/api/status`).catch(() => undefined);
    if (up?.connected) break;
    if (Date.now() > deadline) throw new Error(`central ${name} did not start: ${JSON.stringify(await Promise.race([done, Promise.resolve('running')]))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { http, kill, done };
}

describe('edge-agent central, two instances on one shared subscription', () => {
  let broker: Mosquitto;
  let dir: string;
  const gateways: Uplink[] = [];
  const instances: Instance[] = [];
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir('central-cli-');
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop();
    for (const i of instances) i.kill('SIGKILL');
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('store each alert once; one killed mid-stream loses nothing', async () => {
    // Instance a commits slowly: whatever it holds when it dies was never committed, so never acked.
    const a = await startInstance(dir, 'central-a', broker.url, { batch: { max_wait_ms: 60_000, max_messages: 100_000 } });
    const b = await startInstance(dir, 'central-b', broker.url);
    instances.push(a, b);
    const e2e = { e2eAck: { enabled: true, timeoutS: 5 } };
    gateways.push(await startGateway(dir, 'gw-s1', broker.url, e2e), await startGateway(dir, 'gw-s2', broker.url, e2e));
    const watch = await Collector.open(broker.url, ['edge/+/+/+/camera/+/alert/#']);
    const ids: string[] = [];
    const emit = (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        for (const [k, g] of gateways.entries()) {
          const id = `gw-s${k + 1}-${i}`;
          ids.push(id);
          g.emit(makeAlert(id, { gatewayId: `gw-s${k + 1}` }));
        }
      }
    };
    emit(0, 100);
    const status = async (x: Instance) => getJson<{ sequenced: number; stored: number }>(`${x.http}/api/status`);
    const deadline = Date.now() + 60_000;
    while ((await status(a)).sequenced === 0 || (await status(b)).stored === 0) {
      if (Date.now() > deadline) throw new Error('the two instances did not share the load');
      await new Promise((r) => setTimeout(r, 50));
    }
    emit(100, 150);
    a.kill('SIGKILL');
    emit(250, 50);
    await waitFor(() => gateways.every((g) => g.depth() === 0), 'every row acked by the surviving instance', 120_000);
    const reader = new SqliteStore(join(dir, 'shared.db'));
    await reader.open();
    const rows = await reader.alerts({ limit: 1000 });
    await reader.close();
    expect(rows).toHaveLength(600);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
    // What instance a had taken but not committed was sent again by the gateways.
    const resent = watch.alerts().length - new Set(watch.alerts().map((x) => x['i'])).size;
    expect(resent).toBeGreaterThan(0);
    await watch.close();
    b.kill('SIGTERM');
    const end = await b.done;
    expect(end.code).toBe(0);
    expect((await a.done).code).not.toBe(0);
  }, 180_000);

  it('refuses a hostile config with exit code 2 and the offending keys', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'broker: {urls: ["http://x"], share_group: "a/#"}\nkeys: k\ncentre_key: c\nstore: {sqlite: a, postgres: "postgres://x"}\nhttp: {port: 99999}\nsurprise: 1\n');
    const r = await runCli(['central', '--config', file]);
    expect(r.code).toBe(2);
    for (const path of ['broker.urls[0]', 'broker.share_group', 'http.port', 'unknown key "surprise"']) expect(r.stderr).toContain(path);
    writeFileSync(file, 'broker: {urls: ["mqtt://127.0.0.1:1"]}\nkeys: missing.txt\ncentre_key: c\nstore: {sqlite: a, postgres: "postgres://x"}\n');
    const both = await runCli(['central', '--config', file]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('store: give sqlite or postgres, not both');
  });

  it('never prints a secret: the centre key, a database password', async () => {
    const port = await freePort();
    const file = writeCentralConfig(dir, broker.url, ['gw-s1'], { store: { postgres: `postgres://centre:s3cret-pw@127.0.0.1:${port}/db` }, logging: { level: 'trace' } }, 'secret.yaml');
    const r = await runCli(['central', '--config', file], { env: { EDGE_AGENT_DEBUG: '1' } });
    expect(r.code).toBe(5);
    const out = r.stdout + r.stderr;
    expect(out).toContain('edge-agent: store problem: cannot open the PostgreSQL store');
    expect(out).not.toContain('s3cret-pw');
    const pem = readFileSync(join(dir, 'centre.key'), 'utf8').split('\n')[1]!;
    expect(out).not.toContain(pem);
  });
});
