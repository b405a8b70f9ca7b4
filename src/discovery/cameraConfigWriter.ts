import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import type { CameraProbe } from './onvifTypes.js';
import type { ProfileChoice } from './profileChoice.js';

// Adds a probed camera to the operator's YAML config. The yaml Document API edits the parsed tree,
// so the technician's comments and layout survive. The password goes to secrets_file only; the
// config refers to it as ${CAM_<ID>_PASSWORD}.

/** A config or secrets file that cannot be edited safely; nothing was written. */
export class CameraConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CameraConfigError';
  }
}

export interface AddCameraInput {
  configFile: string;
  id: string;
  name?: string;
  user: string;
  password: string;
  probe: CameraProbe;
  choice: ProfileChoice;
  epr?: string;
  detectFps?: number;
}

export interface AddCameraResult {
  secretName: string;
  secretsFile: string;
  /** Detection source with the ${SECRET} reference, safe to print. */
  source: string;
  createdSecretsFile: boolean;
  /** "mode 0640, group edge-agent" or "mode 0600": who can read the secrets file now. */
  secretsAccess: string;
}

/** CAM_<ID>_PASSWORD with the id upper-cased and every other character turned into _. */
export function secretNameFor(id: string): string {
  return `CAM_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`;
}

/** rtsp://host/path → rtsp://user:${SECRET}@host/path (credentials the camera put in are replaced). */
export function withCredentials(uri: string, user: string, secretName: string): string {
  return uri.replace(/^(rtsps?:\/\/)(?:[^/@]*@)?/i, `$1${encodeURIComponent(user)}:\${${secretName}}@`);
}

/** Writes the camera into the config and its password into secrets_file. Throws CameraConfigError. */
export function addCameraToConfig(input: AddCameraInput): AddCameraResult {
  const doc = readDocument(input.configFile);
  const cameras = doc.get('cameras');
  if (!isSeq(cameras)) throw new CameraConfigError(`${input.configFile}: no cameras: list to add to`);
  const taken = cameras.items.some((c) => isMap(c) && c.get('id') === input.id);
  if (taken) throw new CameraConfigError(`${input.configFile}: a camera with id "${input.id}" exists already; choose another --id`);
  const secretName = secretNameFor(input.id);
  const configured = doc.get('secrets_file');
  const secretsRef = typeof configured === 'string' ? configured : 'secrets.yaml';
  if (typeof configured !== 'string') addAfterGateway(doc, 'secrets_file', secretsRef);
  const secretsFile = resolve(dirname(input.configFile), secretsRef);
  const source = withCredentials(input.choice.detect.streamUri!, input.user, secretName);
  const node = doc.createNode(cameraEntry(input, source, secretName));
  node.commentBefore = ` ${[input.probe.device.manufacturer, input.probe.device.model].filter(Boolean).join(' ')}, added by edge-agent camera add`;
  cameras.items.push(node);
  const secret = writeSecret(secretsFile, secretName, input.password);
  writeFileSync(input.configFile, doc.toString());
  return { secretName, secretsFile, source, createdSecretsFile: secret.created, secretsAccess: secret.access };
}

function cameraEntry(input: AddCameraInput, source: string, secretName: string): Record<string, unknown> {
  const { probe, choice } = input;
  const onvif: Record<string, unknown> = { host: probe.host, port: probe.port, user: input.user };
  if (input.epr) onvif['epr'] = input.epr;
  // Serial and hardware id are what a camera must show at a new address before it is followed there.
  if (probe.device.serialNumber) onvif['serial'] = probe.device.serialNumber;
  if (probe.device.hardwareId) onvif['hardware_id'] = probe.device.hardwareId;
  if (probe.device.manufacturer) onvif['manufacturer'] = probe.device.manufacturer;
  if (probe.device.model) onvif['model'] = probe.device.model;
  onvif['detect_profile'] = choice.detect.token;
  if (choice.record) {
    onvif['record_profile'] = choice.record.token;
    onvif['record_source'] = withCredentials(choice.record.streamUri!, input.user, secretName);
  }
  if (choice.detect.snapshotUri) onvif['snapshot_uri'] = choice.detect.snapshotUri;
  const entry: Record<string, unknown> = { id: input.id };
  if (input.name) entry['name'] = input.name;
  entry['source'] = source;
  if (input.detectFps !== undefined) entry['detect_fps'] = input.detectFps;
  entry['onvif'] = onvif;
  return entry;
}

/** Top-level keys go near the top where operators look for them, not after the camera list. */
function addAfterGateway(doc: Document, key: string, value: string): void {
  const top = doc.contents;
  if (!isMap(top)) return void doc.set(key, value);
  const at = top.items.findIndex((p) => String((p.key as { value?: unknown } | null)?.value) === 'gateway');
  top.items.splice(at + 1, 0, doc.createPair(key, value));
}

function readDocument(file: string): Document {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CameraConfigError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? err})`, { cause: err });
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new CameraConfigError(`${file}: YAML syntax error, fix it first: ${doc.errors[0]!.message.split('\n')[0]}`);
  return doc;
}

/** Sets NAME: value in the secrets file, keeping its comments; see shareWithService for its mode. */
function writeSecret(file: string, name: string, password: string): { created: boolean; access: string } {
  const created = !existsSync(file);
  const doc = created ? parseDocument('# Camera and broker passwords for edge-agent. Keep this file mode 0640, group edge-agent (or 0600).\n') : readDocument(file);
  if (!created && doc.contents !== null && !isMap(doc.contents)) {
    throw new CameraConfigError(`${file}: not a mapping of NAME: value; not touching it`);
  }
  // Stored as typed: the loader percent-encodes a secret where it fills a URI's userinfo.
  doc.set(name, password);
  writeFileSync(file, doc.toString(), { mode: 0o600 });
  const shared = shareWithService(file);
  return { created, access: `mode 0${shared.mode.toString(8)}${shared.group ? `, group ${shared.group}` : ''}` };
}

/** Group the service runs as; secrets are made readable to it when it exists. $EDGE_AGENT_GROUP overrides. */
export const SERVICE_GROUP = 'edge-agent';

/**
 * The service user must read the secrets, nobody else: root-owned 0640 with group edge-agent when
 * that group exists (an installed gateway), otherwise 0600 for the user who ran the command.
 * Returns the mode and group the file ended with, for the command's output.
 */
export function shareWithService(file: string, group = process.env['EDGE_AGENT_GROUP'] || SERVICE_GROUP): { mode: number; group?: string } {
  const gid = groupId(group);
  if (gid !== undefined) {
    try {
      chownSync(file, statSync(file).uid, gid);
      chmodSync(file, 0o640);
      return { mode: 0o640, group };
    } catch {
      // Not root and not in that group: keep it private; `config validate` names the fix.
    }
  }
  chmodSync(file, 0o600);
  return { mode: 0o600 };
}

function groupId(name: string): number | undefined {
  try {
    const line = execFileSync('getent', ['group', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const gid = Number(line.split(':')[2]);
    return Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}
