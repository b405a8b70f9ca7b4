import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../config/schema.js';
import type { CameraConfig } from '../config/cameraSchema.js';
import { loadConfig } from '../config/loadConfig.js';
import { addCameraToConfig, CameraConfigError } from '../discovery/cameraConfigWriter.js';
import { discoveryTable, probeJson, probeReport } from '../discovery/formatting.js';
import { OnvifError } from '../discovery/onvifErrors.js';
import { parseTarget, probeCamera } from '../discovery/probe.js';
import { chooseProfiles, MIN_DETECT_WIDTH } from '../discovery/profileChoice.js';
import { UnicastTargetError } from '../discovery/subnets.js';
import { discoverCameras } from '../discovery/wsDiscovery.js';
import { EXIT } from './exitCodes.js';

// `discover`, `camera probe|add|test`: the technician's commands for bringing cameras into service.

/** Where commands write; tests pass collectors. `err` also carries the live view on a TTY. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether `err` is a terminal (the live view is drawn only then). */
  errIsTTY: boolean;
}

const processIo: CliIo = {
  out: (t) => {
    process.stdout.write(t);
  },
  err: (t) => {
    process.stderr.write(t);
  },
  errIsTTY: Boolean(process.stderr.isTTY),
};

/** What `camera test` measured on one camera. */
export interface StreamTestReport {
  codec: string;
  width: number;
  height: number;
  /** Frames decoded per second over the test (the camera's rate, if the gateway kept up). */
  decodedFps: number;
  /** Mean CPU time to decode one frame, ms. */
  decodeMsPerFrame: number;
  /** Mean detector time for one frame, ms. */
  inferenceMsPerFrame: number;
  framesDecoded: number;
  framesDetected: number;
  /** JPEG with the detections drawn, written where asked. */
  snapshotPath: string;
}

export interface CameraCommandDeps {
  /**
   * Pulls frames from `camera.source` for `seconds`, decodes all of them, runs the detector at
   * `camera.detectFps`, writes one annotated JPEG to `snapshotPath`. Rejects with StreamError when
   * the stream cannot be opened. Implemented by the lead with the real source and detector.
   */
  /** Pulls frames from the camera; `config` is the whole validated config (models, decoder). */
  testStream(camera: CameraConfig, opts: { seconds: number; snapshotPath: string; config: Config }): Promise<StreamTestReport>;
  io?: CliIo;
}

export interface DiscoverCommandDeps {
  io?: CliIo;
  /** WS-Discovery UDP port; 3702 except in tests. */
  discoveryPort?: number;
}

function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `edge-agent discover`: WS-Discovery on every interface, plus unicast probes to hosts/CIDRs. */
export function registerDiscoverCommand(program: Command, deps: DiscoverCommandDeps = {}): void {
  program
    .command('discover')
    .description('Find ONVIF cameras: multicast on every IPv4 interface, and unicast to the given hosts or subnets.')
    .option('--json', 'print JSON instead of a table')
    .option('--timeout <s>', 'seconds to listen for answers', positive('--timeout'), 4)
    .option('--unicast <host|cidr>', 'also probe this host or subnet (repeatable; subnets up to /22)', collect, [])
    .action(async (opts: { json?: boolean; timeout: number; unicast: string[] }) => {
      const io = deps.io ?? processIo;
      const started = Date.now();
      let count = 0;
      const draw = () => io.err(`\r\x1b[2Ksearching… ${count} camera(s), ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const live = io.errIsTTY && !opts.json ? setInterval(draw, 200) : undefined;
      try {
        const devices = await discoverCameras({
          timeoutMs: opts.timeout * 1000,
          unicast: opts.unicast,
          port: deps.discoveryPort,
          onDevice: (_d, n) => (count = n),
        });
        if (live) io.err('\r\x1b[2K');
        if (opts.json) io.out(`${JSON.stringify(devices, null, 2)}\n`);
        else io.out(devices.length ? discoveryTable(devices) : 'no camera answered; check the cabling, or try --unicast <subnet>\n');
      } catch (err) {
        if (!(err instanceof UnicastTargetError)) throw err;
        io.err(`edge-agent: ${err.message}\n`);
        process.exitCode = EXIT.usage;
      } finally {
        if (live) clearInterval(live);
      }
    });
}

interface CredentialOptions {
  user?: string;
  password?: string;
  passwordEnv?: string;
  passwordFile?: string;
  timeout: number;
}

function credentialOptions(cmd: Command): Command {
  return cmd
    .option('--user <name>', 'ONVIF user name')
    .option('--password-env <VAR>', 'read the password from this environment variable')
    .option('--password-file <file>', 'read the password from the first line of this file')
    .addOption(new Option('--password <password>', 'the password itself (visible in shell history and ps: avoid)'))
    .option('--timeout <s>', 'seconds per ONVIF request', positive('--timeout'), 5);
}

/** The password from env, file or (with a warning) the command line; never printed. */
function readPassword(o: CredentialOptions, io: CliIo): string | undefined {
  if (o.passwordEnv !== undefined) {
    const v = process.env[o.passwordEnv];
    if (v === undefined) throw new UsageError(`--password-env ${o.passwordEnv}: the variable is not set`);
    return v;
  }
  if (o.passwordFile !== undefined) {
    try {
      return readFileSync(o.passwordFile, 'utf8').split(/\r?\n/)[0] ?? '';
    } catch (err) {
      throw new UsageError(`--password-file ${o.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  if (o.password !== undefined) io.err('warning: --password leaves the password in shell history; prefer --password-env or --password-file\n');
  return o.password;
}

class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function credentials(o: CredentialOptions, io: CliIo) {
  const password = readPassword(o, io);
  if (o.user === undefined) return undefined;
  if (password === undefined) throw new UsageError('--user needs one of --password-env, --password-file or --password');
  return { user: o.user, password };
}

/** Runs a command body; known failures become one line on stderr and an exit code, not a stack. */
async function guarded(io: CliIo, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof OnvifError) {
      io.err(`edge-agent: ${err.message}\n`);
      process.exitCode = EXIT.failure;
    } else if (err instanceof UsageError) {
      io.err(`edge-agent: ${err.message}\n`);
      process.exitCode = EXIT.usage;
    } else if (err instanceof CameraConfigError) {
      io.err(`edge-agent: ${err.message}\n`);
      process.exitCode = EXIT.config;
    } else throw err;
  }
}

/** `edge-agent camera probe|add|test`. */
export function registerCameraCommands(program: Command, deps: CameraCommandDeps): void {
  const camera = program.command('camera').description('Check and add ONVIF cameras.');
  registerProbe(camera, deps);
  registerAdd(camera, deps);
  registerTest(camera, deps);
}

function registerProbe(camera: Command, deps: CameraCommandDeps): void {
  credentialOptions(camera.command('probe'))
    .description("Read a camera's identity, clock, profiles and stream URIs over ONVIF.")
    .argument('<host[:port]>', 'camera address, or its device service URL')
    .option('--json', 'print JSON')
    .action(async (target: string, o: CredentialOptions & { json?: boolean }) => {
      const io = deps.io ?? processIo;
      await guarded(io, async () => {
        const creds = credentials(o, io);
        if (parseTarget(target).credentials) {
          io.err('warning: a password in the address leaves it in shell history; prefer --user with --password-env or --password-file\n');
        }
        const probe = await probeCamera({ target, credentials: creds, timeoutMs: o.timeout * 1000 });
        io.out(o.json ? probeJson(probe) : probeReport(probe));
      });
    });
}

interface AddOptions extends CredentialOptions {
  config: string;
  id: string;
  host: string;
  name?: string;
  profile?: string;
  detectFps?: number;
  epr?: string;
}

function registerAdd(camera: Command, deps: CameraCommandDeps): void {
  credentialOptions(camera.command('add'))
    .description('Probe a camera and add it to the config: sub-stream for detection, main stream noted for recording.')
    .requiredOption('--config <file>', 'YAML config to edit (comments are kept)')
    .requiredOption('--id <id>', 'camera id: lower case letters, digits, _ and -')
    .requiredOption('--host <host[:port]>', 'camera address')
    .option('--name <text>', 'human-readable name')
    .option('--profile <token>', `detect on this profile instead of the smallest ≥ ${MIN_DETECT_WIDTH} px wide`)
    .option('--detect-fps <n>', 'frames per second for the detector', positive('--detect-fps'))
    .option('--epr <urn>', 'WS-Discovery endpoint reference (from `discover`), to recognise the camera after an address change')
    .action(async (o: AddOptions) => {
      const io = deps.io ?? processIo;
      await guarded(io, async () => {
        if (!/^[a-z0-9][a-z0-9_-]{0,47}$/.test(o.id)) throw new UsageError(`--id ${o.id}: use lower case letters, digits, _ and -`);
        const creds = credentials(o, io);
        if (!creds) throw new UsageError('camera add needs --user and a password option');
        const probe = await probeCamera({ target: o.host, credentials: creds, timeoutMs: o.timeout * 1000 });
        const choice = chooseProfiles(probe.profiles, o.profile);
        if (!choice) throw new UsageError(`${o.host}: no H.264/H.265 profile with a stream URI; check the camera's encoder settings`);
        const r = addCameraToConfig({ configFile: o.config, ...o, ...creds, probe, choice });
        const d = choice.detect;
        io.out(`added camera ${o.id} to ${o.config}\n  detect  ${d.token} ${d.encoding} ${d.width}x${d.height}: ${r.source}\n`);
        if (choice.record) io.out(`  record  ${choice.record.token} ${choice.record.encoding} ${choice.record.width}x${choice.record.height}\n`);
        io.out(`  password stored as ${r.secretName} in ${r.secretsFile} (${r.createdSecretsFile ? 'created, ' : ''}${r.secretsAccess})\n`);
      });
    });
}

/** Cameras like this one a gateway carries: CPU per camera-second vs the cores, with 30 % headroom. */
export function estimateCapacity(r: StreamTestReport, detectFps: number, cores = availableParallelism()): number {
  const msPerSecond = r.decodeMsPerFrame * r.decodedFps + r.inferenceMsPerFrame * detectFps;
  return msPerSecond <= 0 ? 0 : Math.floor((cores * 1000 * 0.7) / msPerSecond);
}

function registerTest(camera: Command, deps: CameraCommandDeps): void {
  camera
    .command('test')
    .description('Pull frames from a configured camera, time decode and detection, save one annotated snapshot.')
    .argument('<id>', 'camera id in the config')
    .requiredOption('--config <file>', 'YAML config')
    .option('--seconds <n>', 'how long to pull frames', positive('--seconds'), 5)
    .option('--snapshot <file>', 'where to write the annotated JPEG', 'camera-test.jpg')
    .action(async (id: string, o: { config: string; seconds: number; snapshot: string }) => {
      const io = deps.io ?? processIo;
      const config = loadConfig(o.config);
      const cam = config.cameras.find((c) => c.id === id);
      if (!cam) {
        io.err(`edge-agent: no camera "${id}" in ${o.config}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const r = await deps.testStream(cam, { seconds: o.seconds, snapshotPath: o.snapshot, config });
      io.out(
        `camera ${id}: ${r.codec} ${r.width}x${r.height}, decoded ${r.decodedFps.toFixed(1)} fps (${r.framesDecoded} frames)\n` +
          `  decode ${r.decodeMsPerFrame.toFixed(1)} ms/frame, inference ${r.inferenceMsPerFrame.toFixed(1)} ms/frame (${r.framesDetected} frames)\n` +
          `  this gateway carries about ${estimateCapacity(r, cam.detectFps)} camera(s) like this at ${cam.detectFps} detect fps\n` +
          `  snapshot ${r.snapshotPath}\n`,
      );
    });
}
