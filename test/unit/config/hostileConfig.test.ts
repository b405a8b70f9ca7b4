import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configHash } from '../../../src/config/configHash.js';
import { printableConfig } from '../../../src/config/configSecrets.js';
import { loadConfig, parseConfig } from '../../../src/config/loadConfig.js';
import { ConfigError } from '../../../src/errors.js';
import { forgetSecrets, scrubSecrets } from '../../../src/log/redact.js';
import { assertNoRawJsError, deepJson, yamlAliasBomb } from '../../helpers/fuzz.js';
import { tempDir } from '../../helpers/media.js';

const HEAD = 'gateway: { id: gw-1, province: hn, commune: c1 }\n';
const cam = (source: string, extra = '') => `${HEAD}cameras:\n  - id: cam-1\n    source: "${source}"\n${extra}`;

afterEach(() => forgetSecrets());

function configError(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text, '/etc/edge-agent/site.yaml', { env });
  } catch (err) {
    expect(err, String((err as Error).stack)).toBeInstanceOf(ConfigError);
    assertNoRawJsError((err as Error).message);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('hostile YAML', () => {
  it('turns the [d,*d] alias bomb into a config error with its line, not a ReferenceError', () => {
    const e = configError(`${HEAD}x: &d [d, *d]\ncameras: [*d, *d]\n`);
    expect(e.message).toMatch(/site\.yaml/);
    expect(e.problems[0]).toMatch(/^YAML \(line 2\): an alias \(\*name\) refers to the anchor it is inside of/);
  });

  it('refuses a billion-laughs file', () => {
    expect(configError(HEAD + yamlAliasBomb(9)).problems[0]).toMatch(/too many alias expansions/);
  });

  it('refuses deep nesting without a stack overflow message', () => {
    for (const depth of [1000, 100_000]) {
      const e = configError(`${HEAD}cameras: ${deepJson(depth)}\n`);
      expect(e.problems.join('\n')).toMatch(/line 2|nested too deeply|cameras/);
    }
  });
});

describe('camera and broker URIs are checked at load time', () => {
  it.each([
    ['rtsp://in:cp', /cameras\[0\]\.source \(line 4\): the URI is not a valid URI.*percent-encode the password.*secrets_file/],
    ['rtsp://admin:p@ss/w@10.0.0.5/s', /cameras\[0\]\.source \(line 4\): .*must be percent-encoded.*\$\{NAME\}/],
    ['rtsp://admin:a#b@10.0.0.5/s', /cameras\[0\]\.source \(line 4\)/],
    ['rtsp://admin:a?b@10.0.0.5/s', /cameras\[0\]\.source \(line 4\)/],
    ['rtsp://admin:100%@10.0.0.5/s', /cameras\[0\]\.source \(line 4\): .*percent-escape/],
    ['rtsp://10.0.0.5:99999/s', /cameras\[0\]\.source \(line 4\): the URI is not a valid URI/],
  ])('%s', (source, re) => {
    const e = configError(cam(source, '    onvif: { host: 10.0.0.5, events: true }\n'));
    expect(e.problems.join('\n')).toMatch(re);
    // The error names the key but never repeats a password.
    expect(e.message).not.toMatch(/p@ss|a#b|a\?b|100%@/);
  });

  it('checks record_source and the broker URLs too', () => {
    const text = `${cam('rtsp://10.0.0.5/s', '    onvif: { host: 10.0.0.5, record_source: "rtsp://u:x/y@10.0.0.5/main" }\n')}mqtt:\n  urls: ["mqtt://gw:p@ss@broker:1883", "mqtts://[::1"]\n`;
    const problems = configError(text).problems.join('\n');
    expect(problems).toMatch(/cameras\[0\]\.onvif\.record_source \(line \d+\)/);
    expect(problems).toMatch(/mqtt\.urls\[1\] \(line \d+\): the URI is not a valid URI/);
    // An unencoded '@' is read by the URL parser as the last one, as intended: accepted.
    expect(problems).not.toMatch(/mqtt\.urls\[0\]/);
  });

  it('percent-encodes ${NAME} values in the userinfo and the query, so every URL parser reads the intended password', () => {
    const pw = 'p@ss/w:rd #1? %20 é';
    const cfg = parseConfig(cam('rtsp://admin:${PW}@10.0.0.5:554/s?auth=${PW}', '    onvif: { host: 10.0.0.5, record_source: "rtsp://admin:${PW}@10.0.0.5/main" }\n'), 'x.yaml', { env: { PW: pw } });
    const u = new URL(cfg.cameras[0]!.source);
    expect(decodeURIComponent(u.password)).toBe(pw);
    expect(u.host).toBe('10.0.0.5:554');
    expect(u.searchParams.get('auth')).toBe(pw);
    expect(decodeURIComponent(new URL(cfg.cameras[0]!.onvif!.recordSource!).password)).toBe(pw);
    // Remembered for redaction in every form.
    expect(scrubSecrets(`failed: ${cfg.cameras[0]!.source}`)).not.toContain(encodeURIComponent(pw));
  });
});

describe('secrets never leave through the config', () => {
  // One folder for every variant: paths resolved against the config's folder are part of the hash.
  const dir = tempDir();
  let n = 0;
  const site = (pw: string, mqttPw: string) => {
    n++;
    writeFileSync(join(dir, `secrets-${n}.yaml`), `CAM_PW: "${pw}"\nMQTT_PW: "${mqttPw}"\n`);
    writeFileSync(
      join(dir, `site-${n}.yaml`),
      `secrets_file: secrets-${n}.yaml\n${cam('rtsp://admin:${CAM_PW}@10.0.0.5/s?pw=${CAM_PW}', '    onvif: { host: 10.0.0.5, record_source: "rtsp://admin:${CAM_PW}@10.0.0.5/main" }\n')}mqtt:\n  urls: ["mqtts://gw:\${MQTT_PW}@broker:8883"]\n  username: gw\n  password: \${MQTT_PW}\n`,
    );
    const cfg = loadConfig(join(dir, `site-${n}.yaml`), { env: {} });
    // The secrets file's own name differs per variant; it is not what is compared here.
    cfg.secretsFile = 'secrets.yaml';
    return cfg;
  };

  it('the config hash does not depend on the passwords (a dictionary attack has nothing to test)', () => {
    const a = site('Tr0ub4dor&3xyzw!', 'mqtt-one-1');
    const b = site('correct horse/@', 'mqtt-two-2');
    expect(configHash(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(configHash(a)).toBe(configHash(b));
    // ...but does depend on the settings.
    const c = site('Tr0ub4dor&3xyzw!', 'mqtt-one-1');
    c.cameras[0]!.detectFps = 2;
    expect(configHash(c)).not.toBe(configHash(a));
  });

  it('validate --print shows no password', () => {
    const pw = 'p@ss/w:rd #1?';
    const text = JSON.stringify(printableConfig(site(pw, 'mqtt-Secret-9')));
    for (const s of [pw, encodeURIComponent(pw), 'mqtt-Secret-9']) expect(text).not.toContain(s);
    expect(text).toContain('rtsp://***@10.0.0.5/s');
    expect(text).toContain('"password":"***"');
  });
});
