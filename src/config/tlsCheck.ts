import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { MqttConfig } from './uplinkSchema.js';
import type { Config } from './schema.js';
import type { KeyProblem } from './uriCheck.js';

// TLS files are checked when the config is loaded (by `config validate` and at every start), so a
// missing, unreadable or mismatched file is a config error naming the setting and the file, not
// an OpenSSL message or a stack trace once the uplink first connects. Relative paths are read
// from the config file's folder, like every other path in the config.

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Resolves the TLS paths of `config.mqtt` in place and returns what is wrong with them. */
export function checkTls(config: Config, baseDir: string): KeyProblem[] {
  const tls = config.mqtt?.tls;
  if (!tls) return [];
  const out: KeyProblem[] = [];
  const at = (key: string) => ['mqtt', 'tls', key];
  for (const key of ['ca', 'cert', 'key'] as const) {
    const p = tls[key];
    if (p !== undefined && !isAbsolute(p)) tls[key] = resolve(baseDir, p);
  }
  if (tls.ca !== undefined) {
    const text = readText(tls.ca, at('ca'), out);
    if (text !== undefined) {
      const problem = certificatesProblem(text);
      if (problem) out.push({ path: at('ca'), message: `${tls.ca}: ${problem}; give the PEM file of the CA that signed the broker certificate` });
    }
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    out.push({ path: at(tls.cert === undefined ? 'cert' : 'key'), message: 'mutual TLS needs both cert and key; set the missing one or remove the other' });
  }
  let cert: X509Certificate | undefined;
  let key: KeyObject | undefined;
  if (tls.cert !== undefined) {
    const text = readText(tls.cert, at('cert'), out);
    const problem = text === undefined ? undefined : certificatesProblem(text);
    if (problem) out.push({ path: at('cert'), message: `${tls.cert}: ${problem}; give the PEM client certificate` });
    else if (text !== undefined) cert = new X509Certificate(text.match(PEM_CERT)![0]);
  }
  if (tls.key !== undefined) {
    const text = readText(tls.key, at('key'), out);
    if (text !== undefined) {
      try {
        key = createPrivateKey(text);
      } catch (err) {
        const encrypted = /passphrase|encrypted/i.test((err as Error).message) || text.includes('ENCRYPTED');
        out.push({
          path: at('key'),
          message: `${tls.key}: ${encrypted ? 'the key is encrypted with a passphrase; store it unencrypted (openssl pkey -in key.pem -out plain.pem) with mode 0600' : 'not a PEM private key'}`,
        });
      }
    }
  }
  if (cert && key && !cert.checkPrivateKey(key)) {
    out.push({ path: at('key'), message: `${tls.key} does not match the certificate ${tls.cert}; use the key the certificate was made for` });
  }
  return out;
}

/** Warnings about settings that work but expose the gateway; logged at every start and by `config validate`. */
export function mqttWarnings(mqtt: MqttConfig | undefined): string[] {
  if (!mqtt) return [];
  const out: string[] = [];
  if (!mqtt.tls.rejectUnauthorized) {
    out.push('mqtt.tls.reject_unauthorized is false: the broker certificate is not verified, anyone on the path can pose as the broker; set it to true and give mqtt.tls.ca');
  }
  const plain = mqtt.urls.filter((u) => /^(mqtt|tcp|ws):/i.test(u));
  if (mqtt.password !== undefined && plain.length > 0) {
    out.push(`mqtt.password is sent in clear text to ${plain.length} plain broker URL(s) (mqtt://, tcp:// or ws://); use mqtts:// or wss:// with mqtt.tls.ca`);
  }
  return out;
}

function readText(path: string, key: string[], out: KeyProblem[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied (the agent user must be able to read it)' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? 'error'})`;
    out.push({ path: key, message: `${path}: ${why}` });
    return undefined;
  }
}

/** Undefined when `text` holds at least one PEM certificate and all of them parse. */
function certificatesProblem(text: string): string | undefined {
  const blocks = text.match(PEM_CERT) ?? [];
  if (blocks.length === 0) return 'no PEM certificate in the file (-----BEGIN CERTIFICATE-----)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `certificate ${i + 1} in the file cannot be parsed`;
    }
  }
  return undefined;
}
