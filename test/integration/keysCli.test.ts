import { chmodSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePrivateKey, publicKeyText } from '../../src/verify/keys.js';
import { runCli, tempDir } from '../helpers/media.js';

// `edge-agent keys`: the key is made 0600 in the state folder, never overwritten by accident, and
// only its public half is ever printed.

const dir = tempDir('keys-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('edge-agent keys', () => {
  it('init, show, rotate and --if-missing, in the state directory, printing public keys only', async () => {
    const env = { STATE_DIRECTORY: dir };
    const key = join(dir, 'gateway.key');
    const init = await runCli(['keys', 'init'], { env });
    expect(init.code).toBe(0);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const pem = readFileSync(key, 'utf8');
    const pub = publicKeyText(parsePrivateKey(pem)!);
    expect(init.stdout).toContain(`public key:  ${pub}`);
    expect(init.stdout).toMatch(/fingerprint: SHA256:[A-Za-z0-9+/]{43}\nshort:\s+[0-9a-f]{4}(-[0-9a-f]{4}){3}/);
    const secret = pem.split('\n')[1]!;
    expect(init.stdout + init.stderr).not.toContain(secret);

    const again = await runCli(['keys', 'init'], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('a key already exists; it is kept');
    expect(readFileSync(key, 'utf8')).toBe(pem);
    chmodSync(key, 0o644);
    const forced = await runCli(['keys', 'init', '--force', '--quiet'], { env });
    expect(forced.code).toBe(0);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(readFileSync(key, 'utf8')).not.toBe(pem);
    writeFileSync(key, pem, { mode: 0o600 });
    const quiet = await runCli(['keys', 'init', '--if-missing', '--quiet'], { env });
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });

    const show = await runCli(['keys', 'show', '--json'], { env });
    expect(JSON.parse(show.stdout)).toMatchObject({ public_key: pub, file: key });

    const rotate = await runCli(['keys', 'rotate'], { env });
    expect(rotate.code).toBe(0);
    expect(readFileSync(`${key}.previous`, 'utf8')).toBe(pem);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const newPub = publicKeyText(parsePrivateKey(readFileSync(key, 'utf8'))!);
    expect(newPub).not.toBe(pub);
    expect(rotate.stdout).toContain(newPub);
    expect(rotate.stdout).toContain('enrol it at\nthe centre out of band');
  });

  it('with a config, finds the key beside the outbox and prints the enrolment line with the gateway id', async () => {
    const config = join(dir, 'site.yaml');
    writeFileSync(config, 'gateway: { id: gw-keys, province: hn, commune: c1 }\noutbox: { path: var/outbox.db }\ncameras: [{ id: cam-1, source: file:///dev/null }]\n');
    rmSync(join(dir, 'var'), { recursive: true, force: true });
    const r = await runCli(['keys', 'init', '--config', config], { env: { STATE_DIRECTORY: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`key file:    ${join(dir, 'var', 'gateway.key')}`);
    expect(r.stdout).toMatch(/enrol at the centre \(keys file line\): gw-keys [A-Za-z0-9_-]{43}\n/);
  });

  it('signs a request for the centre operator', async () => {
    const centre = join(dir, 'centre.key');
    expect((await runCli(['keys', 'init', '--key', centre, '--quiet'])).code).toBe(0);
    const r = await runCli(['keys', 'sign', '--key', centre, '--topic', 'edge/hn/c1/gw-1/request/replay', '{"since_seq":100}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ since_seq: 100, ts: expect.any(Number), nonce: expect.any(String), sg: expect.any(String) });
  });
});
