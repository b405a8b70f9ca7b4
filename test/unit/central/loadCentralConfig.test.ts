import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCentralConfig } from '../../../src/central/loadCentralConfig.js';
import { ConfigError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'central-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string) {
  const file = join(dir, 'central.yaml');
  writeFileSync(file, text);
  return loadCentralConfig(file);
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('accepted');
}

describe('loadCentralConfig', () => {
  it('fills defaults and resolves paths against the config folder', () => {
    const c = load('broker: {urls: ["mqtt://b:1883"], tls: {ca: ca.pem}}\nkeys: enrolled.txt\ncentre_key: /etc/c.key\n');
    expect(c.broker).toMatchObject({ shareGroup: 'central', topicPrefix: 'edge', tls: { ca: join(dir, 'ca.pem'), rejectUnauthorized: true } });
    expect(c.keys).toBe(join(dir, 'enrolled.txt'));
    expect(c.centreKey).toBe('/etc/c.key');
    expect(c.store).toEqual({ sqlite: join(dir, 'central.db') });
    expect(c.http).toEqual({ enabled: true, address: '127.0.0.1', port: 8080 });
    expect(c.replay).toMatchObject({ graceS: 30, minIntervalS: 60, maxAttempts: 3 });
  });

  it('accepts the shipped example', () => {
    const c = loadCentralConfig(join(import.meta.dirname, '../../../config/central.example.yaml'));
    expect(c.broker.urls).toHaveLength(1);
    expect(c.store.sqlite).toMatch(/central\.db$/);
  });

  it('names every hostile value at once', () => {
    const p = problems(
      'broker: {urls: [], share_group: "#", topic_prefix: "a/b", keepalive_s: -1}\nkeys: ""\ncentre_key: 3\nbatch: {max_messages: 1e9}\nhttp: {address: 1}\nwhatever: true\n',
    );
    for (const path of ['broker.urls', 'broker.share_group', 'broker.topic_prefix', 'broker.keepalive_s', 'keys', 'centre_key', 'batch.max_messages', 'http.address', 'whatever']) {
      expect(p.some((x) => x.startsWith(`${path} (line`))).toBe(true);
    }
    expect(p).toContain('broker.share_group (line 1): "#" does not have the expected form (shared-subscription group: letters, digits, "_", "-", ".")');
  });

  it('refuses what is not a mapping, and a YAML bomb', () => {
    expect(problems('- a\n- b\n')[0]).toContain('must be a YAML mapping');
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(problems(bomb)[0]).toMatch(/alias/);
  });
});
