// Runs the product's discovery inside a network namespace (ip netns exec ... node --import tsx
// test/helpers/cameraSim/discoveryClient.ts ...), since a Node process cannot switch namespaces.
//   discover <rounds> <timeoutMs>          → one JSON line: the devices found
//   listen <cameraId> <epr> <xaddr>        → "LISTENING", then one JSON line per CameraMovedEvent
import { DiscoveryListener } from '../../../src/discovery/discoveryListener.js';
import { discoverCameras } from '../../../src/discovery/wsDiscovery.js';

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'discover') {
  const devices = await discoverCameras({ rounds: Number(a), timeoutMs: Number(b) });
  process.stdout.write(`${JSON.stringify(devices)}\n`);
} else if (mode === 'listen') {
  const listener = new DiscoveryListener();
  listener.track({ cameraId: a!, epr: b!, xaddr: c! });
  listener.onMoved((e) => void process.stdout.write(`${JSON.stringify(e)}\n`));
  listener.onBye((e) => void process.stdout.write(`${JSON.stringify({ bye: e })}\n`));
  await listener.start();
  process.stdout.write('LISTENING\n');
  process.on('SIGTERM', () => void listener.stop().then(() => process.exit(0)));
} else {
  process.stderr.write('usage: discoveryClient.ts discover <rounds> <timeoutMs> | listen <cameraId> <epr> <xaddr>\n');
  process.exit(64);
}
