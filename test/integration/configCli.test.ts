import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type TestCerts } from '../helpers/certs.js';
import { assertNoRawJsError, yamlAliasBomb } from '../helpers/fuzz.js';
import { makePatternClip, runCli, tempDir } from '../helpers/media.js';
import { writeTestGatewayKey } from '../helpers/keys.js';
import { freePort } from '../helpers/ports.js';

// What a technician sees from `config validate` and `run` for hostile or broken settings: a
// config error naming the key (exit 2), or a warning, never a stack trace or a raw JavaScript error.

describe('config problems through the CLI', () => {
  let dir: string;
  let certs: TestCerts;
  let clip: string;
  let port: number;
  beforeAll(async () => {
    dir = tempDir('edge-agent-cfgcli-');
    certs = makeCerts(dir);
    writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n');
    clip = makePatternClip(join(dir, 'clip.mp4'), { frames: 20 });
    port = await freePort();
    writeTestGatewayKey(dir);
  });

  const write = (name: string, mqtt: string, source = pathToFileURL(clip).href, extra = '') => {
    const file = join(dir, name);
    writeFileSync(
      file,
      `gateway: { id: gw-cli, province: hn, commune: c1 }
outbox: { path: ${name}.db }
storage: { snapshot_dir: snapshots }
${mqtt}
cameras:
  - id: cam-1
    source: "${source}"
${extra}`,
    );
    return file;
  };

  it('a missing CA file is found by config validate and at start, naming the setting and the file', async () => {
    const file = write('no-ca.yaml', `mqtt: { urls: ["mqtts://127.0.0.1:${port}"], tls: { ca: missing-ca.pem } }`);
    for (const args of [['config', 'validate', file], ['run', '--config', file]]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`mqtt.tls.ca (line 4): ${join(dir, 'missing-ca.pem')}: no such file`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a garbage CA and a key that does not match its certificate are config errors', async () => {
    const file = write('bad-tls.yaml', `mqtt: { urls: ["mqtts://127.0.0.1:${port}"], tls: { ca: garbage.pem, cert: ${certs.clientCert}, key: ${certs.serverKey} } }`);
    const r = await runCli(['config', 'validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mqtt\.tls\.ca \(line 4\): .*garbage\.pem: no PEM certificate/);
    expect(r.stderr).toMatch(/mqtt\.tls\.key \(line 4\): .*server\.key does not match the certificate .*client\.pem/);
  });

  it('reject_unauthorized: false and a password over mqtt:// are warned about by validate and at every start', async () => {
    const file = write('insecure.yaml', `mqtt: { urls: ["mqtt://127.0.0.1:${port}"], username: gw, password: plain-pw-1, tls: { reject_unauthorized: false } }`);
    const v = await runCli(['config', 'validate', file]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toMatch(/warning: mqtt\.tls\.reject_unauthorized is false/);
    expect(v.stderr).toMatch(/warning: mqtt\.password is sent in clear text/);
    const r = await runCli(['run', '--config', file]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr.match(/"msg":"insecure mqtt setting"/g)).toHaveLength(2);
    expect(r.stderr).not.toContain('plain-pw-1');
  });

  it('an unparsable camera source with onvif events is a config error, not "TypeError: Invalid URL" at run', async () => {
    const file = write('in-cp.yaml', '', 'rtsp://in:cp', '    onvif: { host: 127.0.0.1, events: true }\n');
    for (const args of [['config', 'validate', file], ['run', '--config', file]]) {
      const r = await runCli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/cameras\[0\]\.source \(line 7\): the URI is not a valid URI.*percent-encode the password.*secrets_file/);
      assertNoRawJsError(r.stderr);
    }
  });

  it('a YAML alias bomb is a config error naming the file and line', async () => {
    const file = join(dir, 'bomb.yaml');
    writeFileSync(file, `gateway: { id: gw-cli, province: hn, commune: c1 }\n${yamlAliasBomb(9)}`);
    const r = await runCli(['config', 'validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bomb\.yaml: 1 problem\(s\)\n\s+YAML \(line 3\): too many alias expansions/);
    assertNoRawJsError(r.stderr);
  });
});
