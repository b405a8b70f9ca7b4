// Simulated ONVIF camera for demos and tests: `node --import tsx scripts/camera-sim.ts --vendor hik`.
// Prints one line `READY {"deviceUrl":...,"epr":...}` on stdout once it serves; stops on SIGTERM/SIGINT
// after sending a WS-Discovery Bye, as a camera does when it shuts down cleanly.
import { Command, InvalidArgumentError } from 'commander';
import { startCameraSim, type CameraSimOptions } from '../test/helpers/cameraSim/cameraSim.js';

function int(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

const program = new Command('camera-sim')
  .description('Simulated ONVIF camera (device, media, events, WS-Discovery) for tests and demos.')
  .option('--vendor <id>', 'reply style: hik (Media2, tt: prefixes) or dahua (Media1, other prefixes)', 'hik')
  .option('--host <ip>', 'address to serve on and advertise', '127.0.0.1')
  .option('--http-port <n>', 'HTTP port (0: any free one)', int, 0)
  .option('--user <name>', 'ONVIF user', 'admin')
  .option('--password-env <VAR>', 'environment variable holding the ONVIF password (default: sim-pass-1)')
  .option('--auth <mode>', 'ws-security or http-digest', 'ws-security')
  .option('--clock-skew-s <n>', 'camera clock minus true time, seconds', int, 0)
  .option('--clock-bug', 'report true time in GetSystemDateAndTime but check tokens on the skewed clock')
  .option('--rtsp-h264 <uri>', 'stream URI returned for H.264 profiles')
  .option('--rtsp-h265 <uri>', 'stream URI returned for H.265 profiles')
  .option('--epr <urn>', 'WS-Discovery endpoint reference (default: random urn:uuid)')
  .option('--serial <s>', 'serial number')
  .option('--name <s>', 'name scope')
  .option('--discovery', 'answer WS-Discovery probes and send Hello/Bye')
  .option('--discovery-port <n>', 'WS-Discovery UDP port', int, 3702)
  .option('--multicast-if <ip>', 'interface address for multicast (default: --host unless it is loopback)')
  .option('--drop-probes <n>', 'ignore the first n Probes (lost datagrams)', int, 0)
  .option('--verbose', 'print one line per WS-Discovery Probe on stdout (PROBE answered|dropped <from>)');

program.parse();
const o = program.opts<Record<string, string | number | boolean | undefined>>();
const host = String(o['host']);
const options: CameraSimOptions = {
  vendor: o['vendor'] === 'dahua' ? 'dahua' : 'hik',
  host,
  httpPort: Number(o['httpPort']),
  user: String(o['user']),
  password: o['passwordEnv'] ? process.env[String(o['passwordEnv'])] : undefined,
  auth: o['auth'] === 'http-digest' ? 'http-digest' : 'ws-security',
  clockSkewMs: Number(o['clockSkewS']) * 1000,
  clockBug: Boolean(o['clockBug']),
  epr: o['epr'] as string | undefined,
  serial: o['serial'] as string | undefined,
  name: o['name'] as string | undefined,
};
if (o['rtspH264'] || o['rtspH265']) {
  options.rtsp = { h264: String(o['rtspH264'] ?? o['rtspH265']), h265: String(o['rtspH265'] ?? o['rtspH264']) };
}
if (o['discovery']) {
  const multicastInterface = (o['multicastIf'] as string | undefined) ?? (host.startsWith('127.') ? undefined : host);
  options.discovery = { port: Number(o['discoveryPort']), multicastInterface, dropProbes: Number(o['dropProbes']) };
  if (o['verbose']) options.discovery.onProbe = (result, from) => void process.stdout.write(`PROBE ${result} ${from}\n`);
}

const sim = await startCameraSim(options);
process.stdout.write(`READY ${JSON.stringify({ deviceUrl: sim.deviceUrl, port: sim.port, epr: sim.epr, serial: sim.serial })}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await sim.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
