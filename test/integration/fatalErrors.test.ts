import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, STREET, tempDir } from '../helpers/media.js';

// Every error that stops the process at start: its own exit code (README "Exit codes"), one message
// naming the path or setting and the remedy, and no stack trace unless asked for.

const STACK = /\n\s+at /;

function siteConfig(edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const dir = tempDir();
  const doc = parseDocument(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8'));
  doc.setIn(['cameras', 0, 'source'], pathToFileURL(STREET).href);
  doc.setIn(['outbox', 'path'], join(dir, 'outbox.db'));
  doc.setIn(['storage', 'snapshot_dir'], join(dir, 'snapshots'));
  edit(doc);
  const file = join(dir, 'site.yaml');
  writeFileSync(file, String(doc));
  return file;
}

describe('fatal errors at start', () => {
  it('config (2): an unreadable config file is named with the remedy', async () => {
    const r = await runCli(['run', '--config', '/nonexistent/edge-agent.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('edge-agent: invalid configuration in /nonexistent/edge-agent.yaml');
    expect(r.stderr).toContain('cannot read the file (ENOENT); check the path');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('model (3): an unknown model is named with the known ones', async () => {
    const r = await runCli(['detect', STREET, '--model', 'yolov99']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('edge-agent: model problem: unknown model "yolov99"');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('video (4): a missing file is named', async () => {
    const r = await runCli(['detect', '/nonexistent/clip.mp4']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('video file not found: /nonexistent/clip.mp4');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('store (5): an outbox path that cannot be a folder names outbox.path; was "unexpected error" with a stack, exit 1', async () => {
    const config = siteConfig((doc) => doc.setIn(['outbox', 'path'], '/dev/null/outbox.db'));
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('edge-agent: outbox problem: cannot open the outbox /dev/null/outbox.db');
    expect(r.stderr).toContain('fix outbox.path');
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('config (2): with MQTT, a missing or malformed gateway key is named with the remedy; never an unsigned run', async () => {
    const config = siteConfig((doc) => doc.set('mqtt', { urls: ['mqtt://127.0.0.1:1'] }));
    const key = join(dirname(config), 'gateway.key');
    const missing = await runCli(['run', '--config', config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`edge-agent: invalid configuration in ${key}`);
    expect(missing.stderr).toContain('edge-agent keys init');
    expect(missing.stderr).not.toMatch(STACK);
    writeFileSync(key, 'not a key\n', { mode: 0o600 });
    const malformed = await runCli(['run', '--config', config]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('not an Ed25519 private key');
    expect(malformed.stderr).not.toMatch(STACK);
  });

  it('a missing MQTT TLS file is a configuration error (2) naming the file and the setting; was exit 1 with a stack', async () => {
    // Found when the config is loaded (config validate says the same); the uplink's own check (exit 6)
    // remains for a file that disappears between loading and connecting.
    const config = siteConfig((doc) => doc.set('mqtt', { urls: ['mqtts://127.0.0.1:1'], tls: { ca: '/nonexistent/ca.pem' } }));
    const r = await runCli(['run', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/ca.pem');
    expect(r.stderr).toContain('mqtt.tls');
    expect(r.stderr).not.toContain('unexpected error');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('the stack comes with EDGE_AGENT_DEBUG=1, and with logging.level: debug', async () => {
    const config = siteConfig((doc) => doc.setIn(['outbox', 'path'], '/dev/null/outbox.db'));
    const withEnv = await runCli(['run', '--config', config], { env: { EDGE_AGENT_DEBUG: '1' } });
    expect(withEnv.code).toBe(5);
    expect(withEnv.stderr).toMatch(STACK);
    const debug = siteConfig((doc) => {
      doc.setIn(['outbox', 'path'], '/dev/null/outbox.db');
      doc.setIn(['logging', 'level'], 'debug');
    });
    const withLevel = await runCli(['run', '--config', debug]);
    expect(withLevel.code).toBe(5);
    expect(withLevel.stderr).toMatch(STACK);
  });
});
