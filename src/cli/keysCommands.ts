import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import { gatewayKeyPath, loadGatewayKey, writeGatewayKey } from '../config/gatewayKey.js';
import { loadConfig } from '../config/loadConfig.js';
import { stateDirectory } from '../config/statePaths.js';
import { ConfigError } from '../errors.js';
import { fingerprint, newKeyPair, parsePrivateKey, publicKeyText, signCommand } from '../verify/keys.js';
import { EXIT } from './exitCodes.js';

// `edge-agent keys init|rotate|show|sign`: the gateway's signing key (see config/gatewayKey.ts) and,
// for the centre's operator and tests, signing one request or ack with the centre's key. Only
// public keys and fingerprints are ever printed.

interface KeyOpts {
  config?: string;
  key?: string;
}

const keyOptions = (c: Command): Command =>
  c
    .option('-c, --config <file>', 'YAML config file: the key lives beside its outbox (in the state directory)')
    .option('--key <file>', 'key file (default: from --config, else $STATE_DIRECTORY/gateway.key)');

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description("The gateway's signing key: create, rotate, show; sign a request or ack (centre side).");
  keyOptions(keys.command('init').description('Create the signing key pair (private key 0600) and print the public key to enrol at the centre.'))
    .option('--force', 'replace an existing key (the centre must enrol the new one)')
    .option('--if-missing', 'do nothing, successfully, when a key exists (package install)')
    .option('--quiet', 'print nothing on success')
    .action((o: KeyOpts & { force?: boolean; ifMissing?: boolean; quiet?: boolean }) => {
      const found = locate(o);
      if (o.ifMissing && existsSync(found.path)) return;
      const pair = newKeyPair();
      writeGatewayKey(found.path, pair.privateKey, { force: o.force === true });
      if (!o.quiet) process.stdout.write(describe(pair.privateKey, found));
    });
  keyOptions(keys.command('rotate').description('Make a new key pair; the old private key is kept as <file>.previous.'))
    .action((o: KeyOpts) => {
      const found = locate(o);
      const old = loadGatewayKey(found.path);
      const pair = newKeyPair();
      writeGatewayKey(found.path, pair.privateKey, { keepPrevious: true });
      process.stdout.write(
        `old fingerprint: ${fingerprint(old).full} (kept as ${found.path}.previous)\n${describe(pair.privateKey, found)}` +
          'The gateway signs with the new key from its next start (restart the service). Its info message\n' +
          'announces the new public key, but a key that arrives over the broker proves nothing: enrol it at\n' +
          'the centre out of band (read the fingerprint over the phone), keep the old key enrolled until the\n' +
          'backlog signed with it has arrived, then remove it.\n',
      );
    });
  keyOptions(keys.command('show').description('Print the public key and its fingerprint.'))
    .option('--json', 'print one JSON object')
    .action((o: KeyOpts & { json?: boolean }) => {
      const found = locate(o);
      const key = loadGatewayKey(found.path);
      if (!o.json) return void process.stdout.write(describe(key, found));
      const f = fingerprint(key);
      process.stdout.write(`${JSON.stringify({ gateway: found.gateway ?? null, public_key: publicKeyText(key), fingerprint: f.full, short: f.short, file: found.path })}\n`);
    });
  keys
    .command('sign')
    .description('Centre side: sign a request or end-to-end ack for a topic with the centre private key; prints the payload.')
    .requiredOption('--key <file>', 'the centre private key (made with `keys init --key <file>`)')
    .requiredOption('--topic <topic>', 'full topic it will be published on, e.g. edge/hn/c1/gw-1/request/ping')
    .argument('[json]', 'the fields as a JSON object, e.g. \'{"since_seq":100}\'', '{}')
    .action((json: string, o: { key: string; topic: string }) => {
      const key = parsePrivateKey(readFileSync(o.key, 'utf8'));
      if (!key) throw new ConfigError(o.key, ['not an Ed25519 private key (PKCS#8 PEM)']);
      let fields: unknown;
      try {
        fields = JSON.parse(json);
      } catch {
        fields = undefined;
      }
      if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
        process.stderr.write('edge-agent: the fields must be one JSON object, e.g. \'{"since_seq":100}\'\n');
        process.exitCode = EXIT.usage;
        return;
      }
      process.stdout.write(`${signCommand(key, o.topic, fields as Record<string, unknown>).toString()}\n`);
    });
}

function locate(o: KeyOpts): { path: string; gateway?: string } {
  if (o.key) return { path: o.key };
  if (o.config) {
    const cfg = loadConfig(o.config);
    return { path: gatewayKeyPath(cfg.outbox.path), gateway: cfg.gateway.id };
  }
  const state = stateDirectory(process.env);
  if (state) return { path: join(state, 'gateway.key') };
  throw new ConfigError('(command line)', ['name the key: --config <file>, --key <file>, or run with $STATE_DIRECTORY set']);
}

function describe(key: KeyObject, found: { path: string; gateway?: string }): string {
  const f = fingerprint(key);
  const pub = publicKeyText(key);
  return (
    `key file:    ${found.path}\npublic key:  ${pub}\nfingerprint: ${f.full}\nshort:       ${f.short}\n` +
    `enrol at the centre (keys file line): ${found.gateway ?? '<gateway id>'} ${pub}\n`
  );
}
