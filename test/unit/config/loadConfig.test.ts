import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/loadConfig.js';
import { ConfigError } from '../../../src/errors.js';
import { newKeyPair, publicKeyText } from '../../../src/verify/keys.js';
import { ROOT, tempDir } from '../../helpers/media.js';

const GOOD = `
gateway: { id: gw-1, province: hn, commune: c1 }
cameras:
  - id: cam-1
    source: rtsp://admin:\${CAM1_PASSWORD}@10.0.0.5/stream2
`;

function problems(text: string, opts = {}): string[] {
  try {
    parseConfig(text, '/etc/edge-agent/test.yaml', { env: {}, ...opts });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config loader', () => {
  it('fills defaults and secrets from the environment', () => {
    const cfg = parseConfig(GOOD, 'x.yaml', { env: { CAM1_PASSWORD: 's3cret' } });
    expect(cfg.cameras[0]).toMatchObject({
      source: 'rtsp://admin:s3cret@10.0.0.5/stream2',
      detectFps: 5,
      model: 'yolox-nano-int8',
      classes: ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'],
      scoreThreshold: 0.3,
      enabled: true,
    });
    expect(cfg.logging.level).toBe('info');
    expect(cfg.video.decoder).toBe('auto');
  });

  it('reads secrets from secrets_file, and never prints their values', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'secrets.yaml'), 'CAM1_PASSWORD: from-file\n');
    writeFileSync(join(dir, 'c.yaml'), `secrets_file: secrets.yaml\n${GOOD}`);
    expect(loadConfig(join(dir, 'c.yaml'), { env: {} }).cameras[0]!.source).toContain('from-file');
    writeFileSync(join(dir, 'bad.yaml'), `secrets_file: nowhere.yaml\n${GOOD}`);
    expect(() => loadConfig(join(dir, 'bad.yaml'), { env: {} })).toThrow(/secrets_file: cannot use .*nowhere.yaml \(ENOENT\)/);
  });

  it('reports every problem at once as path (line): message', () => {
    const text = `gateway:
  id: GW 1
  province: hn
  commune: c1
  colour: blue
cameras:
  - id: cam-1
    source: http://nope
    detect_fps: 99
    score_treshold: 0.5
  - id: cam-1
    source: file:///x.mp4
`;
    const p = problems(text);
    expect(p).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^gateway\.id \(line 2\): "GW 1" does not have the expected form/),
        expect.stringMatching(/^gateway\.colour \(line 5\): unknown key "colour"/),
        expect.stringMatching(/^cameras\[0\]\.source \(line 8\): "http:\/\/nope" does not have the expected form/),
        expect.stringMatching(/^cameras\[0\]\.detect_fps \(line 9\): must be <= 30/),
        expect.stringMatching(/^cameras\[0\]\.score_treshold \(line 10\): unknown key "score_treshold"/),
      ]),
    );
    expect(p).toHaveLength(5);
  });

  it('checks ids, models and classes against what is installed', () => {
    const text = `${GOOD}  - id: cam-1\n    source: file:///a.mp4\n    model: yolov99\n    classes: [person, unicorn]\n`;
    const p = problems(text, { env: { CAM1_PASSWORD: 'x' }, modelIds: ['yolox-nano-int8'], labels: ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck'] });
    expect(p).toEqual([
      'cameras[1].id: "cam-1" is used by another camera; ids must be unique',
      'cameras[1].model: unknown model "yolov99"; known: yolox-nano-int8',
      'cameras[1].classes: not detector labels: unicorn',
    ]);
  });

  it('names a missing secret without failing on anything else', () => {
    expect(problems(GOOD)).toEqual(['cameras.0.source: ${CAM1_PASSWORD} is not set; define it in the environment or in secrets_file']);
  });

  it('reports YAML syntax errors and a missing file clearly', () => {
    expect(problems('gateway: [unclosed\n')[0]).toMatch(/^YAML syntax \(line \d\)/);
    expect(() => loadConfig('/nonexistent/edge.yaml')).toThrow(/cannot read the file \(ENOENT\)/);
  });

  it('resolves relative file:// sources against the config file', () => {
    const cfg = loadConfig(join(ROOT, 'config', 'example.yaml'));
    expect(cfg.cameras[0]!.source).toBe(`file://${join(ROOT, '..', 'shared', 'videos', 'vtest_h264.mp4')}`);
  });
});

describe('mqtt.password', () => {
  it('is refused without a user name, without quoting it', () => {
    const got = problems(`${GOOD}mqtt: { urls: ["mqtt://b"], password: "pw-no-user" }\n`, { env: { CAM1_PASSWORD: 'x' } });
    expect(got).toEqual([expect.stringMatching(/^mqtt\.password: set without mqtt\.username/)]);
    expect(got.join('')).not.toContain('pw-no-user');
    expect(parseConfig(`${GOOD}mqtt: { urls: ["mqtt://b"], username: u, password: "pw" }\n`, 'x.yaml', { env: { CAM1_PASSWORD: 'x' } }).mqtt).toMatchObject({ username: 'u' });
  });
});

describe('mqtt.centre_key', () => {
  const withMqtt = (mqtt: string) => `${GOOD}mqtt: ${mqtt}\n`;
  const env = { env: { CAM1_PASSWORD: 'x' } };

  it('is needed by end-to-end acks, and must be an Ed25519 public key', () => {
    expect(problems(withMqtt('{ urls: ["mqtt://b"], e2e_ack: { enabled: true } }'), env)).toEqual([expect.stringMatching(/^mqtt\.e2e_ack\.enabled: needs mqtt\.centre_key/)]);
    expect(problems(withMqtt('{ urls: ["mqtt://b"], centre_key: not-a-key }'), env)).toEqual([expect.stringMatching(/^mqtt\.centre_key: not an Ed25519 public key/)]);
    const key = publicKeyText(newKeyPair().publicKey);
    const cfg = parseConfig(withMqtt(`{ urls: ["mqtt://b"], centre_key: ${key}, e2e_ack: { enabled: true } }`), 'x.yaml', env);
    expect(cfg.mqtt).toMatchObject({ centreKey: key, commandWindowS: 300, replayMaxRows: 10_000, replayMinIntervalS: 60 });
  });
});
