import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/loadConfig.js';
import { mqttWarnings } from '../../../src/config/tlsCheck.js';
import { ConfigError } from '../../../src/errors.js';
import { makeCerts, type TestCerts } from '../../helpers/certs.js';
import { tempDir } from '../../helpers/media.js';

// Real PKI files made by openssl; the loader must name the setting and the file for each problem.

let dir: string;
let certs: TestCerts;
let other: TestCerts;

beforeAll(() => {
  dir = tempDir('tls-check-');
  certs = makeCerts(dir);
  const otherDir = tempDir('tls-other-');
  other = makeCerts(otherDir);
  writeFileSync(join(dir, 'garbage.pem'), 'this is not a certificate\n');
  writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAAnotbase64!!\n-----END CERTIFICATE-----\n');
  copyFileSync(other.clientKey, join(dir, 'other.key'));
});

function site(tls: string, extra = ''): string {
  return `gateway: { id: gw-1, province: hn, commune: c1 }
cameras: [{ id: cam-1, source: "rtsp://10.0.0.5/s" }]
mqtt:
  urls: ["mqtts://127.0.0.1:8883"]
${extra}  tls: ${tls}
`;
}

function problems(text: string): string[] {
  try {
    parseConfig(text, join(dir, 'site.yaml'), { env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
}

describe('TLS settings are checked at load time', () => {
  it('accepts a good CA, certificate and key, relative to the config file', () => {
    expect(problems(site('{ ca: ca.pem, cert: client.pem, key: client.key }'))).toEqual([]);
    const cfg = parseConfig(site('{ ca: ca.pem }'), join(dir, 'site.yaml'), { env: {} });
    expect(cfg.mqtt!.tls.ca).toBe(certs.ca);
  });

  it('names the setting and the file of a missing CA', () => {
    expect(problems(site('{ ca: nowhere/ca.pem }'))).toEqual([`mqtt.tls.ca (line 5): ${join(dir, 'nowhere/ca.pem')}: no such file`]);
  });

  it('refuses a garbage or unparseable CA file instead of reporting "self-signed certificate" later', () => {
    expect(problems(site('{ ca: garbage.pem }'))[0]).toMatch(/^mqtt\.tls\.ca \(line 5\): .*garbage\.pem: no PEM certificate in the file/);
    expect(problems(site('{ ca: broken.pem }'))[0]).toMatch(/^mqtt\.tls\.ca \(line 5\): .*broken\.pem: certificate 1 in the file cannot be parsed/);
  });

  it('refuses a bad key, a key that does not match the certificate, and half a pair', () => {
    expect(problems(site('{ ca: ca.pem, cert: client.pem, key: garbage.pem }'))[0]).toMatch(/^mqtt\.tls\.key \(line 5\): .*garbage\.pem: not a PEM private key/);
    expect(problems(site('{ ca: ca.pem, cert: client.pem, key: other.key }'))[0]).toMatch(/^mqtt\.tls\.key \(line 5\): .*other\.key does not match the certificate .*client\.pem/);
    expect(problems(site('{ ca: ca.pem, cert: client.pem }'))[0]).toMatch(/^mqtt\.tls\.key \(line 5\): mutual TLS needs both cert and key/);
    expect(problems(site('{ cert: garbage.pem, key: client.key }'))[0]).toMatch(/^mqtt\.tls\.cert \(line 5\): .*garbage\.pem: no PEM certificate/);
  });

  it('warns about an unverified broker and a password over plain mqtt://', () => {
    const cfg = parseConfig(site('{ reject_unauthorized: false }', '  username: gw\n  password: pw123\n').replace('mqtts://127.0.0.1:8883', 'mqtt://127.0.0.1:1883'), join(dir, 'site.yaml'), { env: {} });
    const w = mqttWarnings(cfg.mqtt);
    expect(w).toHaveLength(2);
    expect(w[0]).toMatch(/reject_unauthorized is false/);
    expect(w[1]).toMatch(/mqtt\.password is sent in clear text to 1 plain broker URL/);
    expect(w.join()).not.toContain('pw123');
    expect(mqttWarnings(parseConfig(site('{ ca: ca.pem }', '  username: gw\n  password: pw123\n'), join(dir, 'site.yaml'), { env: {} }).mqtt)).toEqual([]);
  });
});
