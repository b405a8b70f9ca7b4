import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareWithService } from '../../src/discovery/cameraConfigWriter.js';
import { ensureTestUser, isRoot, readOnlyDir, runCliAs, TEST_USER } from '../helpers/asUser.js';
import { startCameraSim } from '../helpers/cameraSim/cameraSim.js';
import { makePatternClip, ROOT } from '../helpers/media.js';
import { runCameraCli } from './onvif/cli.js';

// The service as installed: an unprivileged user, the config in a folder it may read but not write
// (ProtectSystem=strict makes /etc read-only), state in the folder systemd hands over.

const STACK = /\n\s+at /;
const mode = (p: string) => statSync(p).mode & 0o777;

describe.skipIf(!isRoot)('installed paths, run as an unprivileged user', () => {
  let user: { uid: number; gid: number };
  let base: string;
  let config: string;

  beforeAll(() => {
    user = ensureTestUser();
    base = readOnlyDir();
    mkdirSync(join(base, 'etc'), { mode: 0o755 });
    const clip = makePatternClip(join(base, 'clip.mp4'), { frames: 20 });
    chmodSync(clip, 0o644);
    const doc = parseDocument(readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8'));
    doc.setIn(['cameras', 0, 'source'], pathToFileURL(clip).href);
    config = join(base, 'etc', 'edge-agent.yaml');
    writeFileSync(config, String(doc), { mode: 0o644 });
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  /** A state folder as systemd's StateDirectory= makes it: owned by the service user, 0750. */
  function stateDir(name: string): string {
    const dir = join(base, name);
    mkdirSync(dir, { mode: 0o750 });
    chownSync(dir, user.uid, user.gid);
    return dir;
  }

  it('ProtectSystem=strict without a state directory: a clear outbox message, the store exit code, no stack', async () => {
    // Before: outbox.path resolved under the read-only config folder, "unexpected error: EROFS … mkdir"
    // with a stack trace, exit 1, and `config validate` said the config was fine.
    chownSync(base, user.uid, user.gid); // writable by the user, but mounted read-only
    try {
      const validate = await runCliAs(['config', 'validate', config], { readOnly: [base] });
      expect(validate.code, validate.stderr).toBe(5);
      expect(validate.stderr).toContain(`outbox.path: ${join(base, 'var')} cannot be created`);
      expect(validate.stderr).toContain('read-only');
      expect(validate.stderr).toContain('$STATE_DIRECTORY');
      expect(validate.stderr).not.toMatch(STACK);

      const run = await runCliAs(['run', '--config', config], { readOnly: [base] });
      expect(run.code, run.stderr).toBe(5);
      expect(run.stderr).toContain(`edge-agent: outbox problem: cannot open the outbox ${join(base, 'var', 'outbox.db')}`);
      expect(run.stderr).toContain('EROFS');
      expect(run.stderr).not.toContain('unexpected error');
      expect(run.stderr).not.toMatch(STACK);
    } finally {
      chownSync(base, 0, 0);
    }
  });

  it('with $STATE_DIRECTORY the same config validates, says where state goes, runs, and state is 0640/0750', async () => {
    const state = stateDir('state');
    const env = { STATE_DIRECTORY: state };
    const validate = await runCliAs(['config', 'validate', config], { env, readOnly: [join(base, 'etc')] });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain(`outbox    ${join(state, 'outbox.db')} (in the state directory ($STATE_DIRECTORY))`);
    expect(validate.stdout).toContain(`snapshots ${join(state, 'snapshots')} (in the state directory ($STATE_DIRECTORY))`);

    const run = await runCliAs(['run', '--config', config], { env, readOnly: [join(base, 'etc')] });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const db = join(state, 'outbox.db');
    expect(statSync(db).uid).toBe(user.uid);
    expect(mode(db)).toBe(0o640);
    expect(existsSync(join(base, 'var'))).toBe(false);
  });

  it('a root-owned config folder and no state directory: validate names each folder and the chown, run exits 5', async () => {
    const validate = await runCliAs(['config', 'validate', config]);
    expect(validate.code).toBe(5);
    expect(validate.stderr).toContain(`user ${TEST_USER} cannot use what this config names`);
    expect(validate.stderr).toContain(`fix: mkdir -p ${join(base, 'var')}; chown ${TEST_USER} ${join(base, 'var')}; chmod 0750`);
    expect(validate.stderr).toContain(`storage.snapshot_dir: ${join(base, 'var', 'snapshots')} cannot be created`);
    const run = await runCliAs(['run', '--config', config]);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain('EACCES');
    expect(run.stderr).toContain(`chown ${TEST_USER} ${join(base, 'var')}`);
    expect(run.stderr).not.toMatch(STACK);
  });

  it('a secrets file only root can read is named with chgrp/chmod; shared with the service group it is read', async () => {
    const state = stateDir('state-secrets');
    const dir = join(base, 'etc-secrets');
    mkdirSync(dir, { mode: 0o755 });
    const withSecrets = join(dir, 'edge-agent.yaml');
    copyFileSync(config, withSecrets);
    chmodSync(withSecrets, 0o644);
    writeFileSync(withSecrets, readFileSync(withSecrets, 'utf8').replace('# secrets_file: /etc/edge-agent/secrets.yaml', 'secrets_file: secrets.yaml'));
    const secrets = join(dir, 'secrets.yaml');
    writeFileSync(secrets, 'CAM_PASSWORD: s3cret-value\n', { mode: 0o600 });
    // What `camera add` did before: root-owned, 0600.
    const refused = await runCliAs(['config', 'validate', withSecrets], { env: { STATE_DIRECTORY: state } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`secrets_file: cannot use ${secrets} (EACCES): user ${TEST_USER} may not read it: chgrp ${TEST_USER} ${secrets}; chmod 0640 ${secrets}`);
    expect(refused.stderr + refused.stdout).not.toContain('s3cret-value');

    // What `camera add` does now when the service group exists.
    expect(shareWithService(secrets, TEST_USER)).toEqual({ mode: 0o640, group: TEST_USER });
    expect(mode(secrets)).toBe(0o640);
    expect(statSync(secrets).gid).toBe(user.gid);
    expect(statSync(secrets).uid).toBe(0);
    const accepted = await runCliAs(['config', 'validate', withSecrets], { env: { STATE_DIRECTORY: state } });
    expect(accepted.code, accepted.stderr).toBe(0);
  });

  it('camera add writes secrets the service group can read (was root 0600: the service exited 2)', async () => {
    const state = stateDir('state-add');
    const dir = join(base, 'etc-add');
    mkdirSync(dir, { mode: 0o755 });
    const site = join(dir, 'edge-agent.yaml');
    writeFileSync(site, 'gateway: {id: gw-1, province: hn, commune: phuc-xa}\ncameras:\n  - id: street-1\n    source: rtsp://127.0.0.1:8554/h264\n', { mode: 0o644 });
    const sim = await startCameraSim({ vendor: 'hik', password: 'sim-pass-1', rtsp: { h264: 'rtsp://127.0.0.1:8554/h264', h265: 'rtsp://127.0.0.1:8554/h265' } });
    process.env['TEST_ADD_PW'] = 'sim-pass-1';
    const add = (id: string) =>
      runCameraCli(['camera', 'add', '--config', site, '--id', id, '--host', `127.0.0.1:${sim.port}`, '--user', 'admin', '--password-env', 'TEST_ADD_PW']);
    try {
      // No service group on the machine: private to root, as before, and the service user is refused.
      const first = await add('junction-1');
      expect(first.code, first.err).toBe(0);
      expect(first.out).toContain('(created, mode 0600)');
      const refused = await runCliAs(['config', 'validate', site], { env: { STATE_DIRECTORY: state } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('may not read it: chgrp');
      // With the service group present (here the test user's group), camera add shares the file with it.
      process.env['EDGE_AGENT_GROUP'] = TEST_USER;
      const second = await add('junction-2');
      expect(second.code, second.err).toBe(0);
      expect(second.out).toContain(`(mode 0640, group ${TEST_USER})`);
      const secrets = join(dir, 'secrets.yaml');
      expect(mode(secrets)).toBe(0o640);
      expect(statSync(secrets).gid).toBe(user.gid);
      const accepted = await runCliAs(['config', 'validate', site], { env: { STATE_DIRECTORY: state } });
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stdout + accepted.stderr).not.toContain('sim-pass-1');
    } finally {
      delete process.env['EDGE_AGENT_GROUP'];
      await sim.stop();
    }
  });

  it('without the service group the secrets file stays private (0600)', () => {
    const file = join(base, 'private.yaml');
    writeFileSync(file, 'A: b\n', { mode: 0o644 });
    expect(shareWithService(file, 'no-such-group-here')).toEqual({ mode: 0o600 });
    expect(mode(file)).toBe(0o600);
  });
});
