// Capacity benchmark: for each camera count N, a fresh `edge-agent run` with N live RTSP cameras
// (one local RTSP server streaming a recorded clip in real time to every camera), a local
// Mosquitto receiving its health messages every 5 s, and figures taken after a warm-up.
//   npm run bench -- --cameras 1,4,8,12,16 [--seconds 45] [--warmup 15] [--quiet-cameras 24,32] [--json]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { KEY_FILE, writeGatewayKey } from '../src/config/gatewayKey.js';
import { newKeyPair } from '../src/verify/keys.js';
import { projectRoot } from '../src/detect/modelManifest.js';

export interface CapacityRun {
  cameras: number;
  clip: string;
  fps_per_camera: { min: number; median: number };
  dropped_busy: number;
  skipped_motion_share: number;
  offline_events: number;
  inference_ms: { p50: number; p95: number };
  arrival_to_detections_ms: { p50: number; p95: number };
  cpu_pct: number;
  peak_rss_mb: number;
  /** RSS (MB) of the agent and its frame host, sampled every 10 s after warm-up. */
  rss_series_mb: number[];
}

export interface CapacityFigures {
  detect_fps: number;
  seconds: number;
  runs: CapacityRun[];
  /** Largest N at which every camera got ≥ 95 % of detect_fps with no busy drops (street clip). */
  capacity: number;
  quiet?: CapacityRun[];
  /** The same criterion on a still scene, where the motion gate skips most inferences. */
  quiet_capacity?: number;
}

const ROOT = projectRoot();
const DETECT_FPS = 5;
/** Length of the street clip (795 frames at 10 fps). */
const STREET_CLIP_S = 79.5;
const STREET_CLIP = join(ROOT, '..', 'shared', 'videos', 'vtest_h264.mp4');

export async function benchCapacity(counts: number[], o: { seconds: number; warmupS: number; quiet: number[] }): Promise<CapacityFigures> {
  const runs: CapacityRun[] = [];
  for (const n of counts) runs.push(await runOnce(n, STREET_CLIP, o));
  const out: CapacityFigures = { detect_fps: DETECT_FPS, seconds: o.seconds, runs, capacity: Math.max(0, ...runs.filter(meetsTarget).map((r) => r.cameras)) };
  if (o.quiet.length > 0) {
    const quietClip = await quietClipPath();
    out.quiet = [];
    for (const n of o.quiet) out.quiet.push(await runOnce(n, quietClip, o));
    out.quiet_capacity = Math.max(0, ...out.quiet.filter(meetsTarget).map((r) => r.cameras));
  }
  return out;
}

/**
 * Memory soak: N cameras for `minutes` after a warm-up; RSS of the agent and its frame host every
 * 10 s. Growth compares the median of the last minute with the median of the first minute.
 */
export async function benchSoak(n: number, minutes: number, warmupS: number): Promise<{ cameras: number; minutes: number; rss_first_min_mb: number; rss_last_min_mb: number; growth_pct: number; run: CapacityRun }> {
  // The street clip ends every 80 s and each camera then reconnects: the soak streams the clip
  // repeated past its end instead, so that memory is measured in steady state, not across restarts.
  const street = await longStreetClip(warmupS + minutes * 60 + 30);
  const run = await runOnce(n, street, { seconds: minutes * 60, warmupS });
  const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
  const first = med(run.rss_series_mb.slice(0, 6));
  const last = med(run.rss_series_mb.slice(-6));
  return { cameras: n, minutes, rss_first_min_mb: first, rss_last_min_mb: last, growth_pct: round(first ? ((last - first) / first) * 100 : 0, 1), run };
}

/** Every camera got at least 95 % of detect_fps, nothing was dropped for lack of time, none went offline. */
function meetsTarget(r: CapacityRun): boolean {
  return r.fps_per_camera.min >= 0.95 * DETECT_FPS && r.dropped_busy === 0 && r.offline_events === 0;
}

async function runOnce(n: number, clip: string, o: { seconds: number; warmupS: number }): Promise<CapacityRun> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-capacity-'));
  const rtspPort = await freePort();
  const mqttPort = await freePort();
  const children: ChildProcess[] = [];
  try {
    children.push(await startChild('/usr/bin/python3', [join(ROOT, 'test', 'helpers', 'rtspServer.py'), '--port', String(rtspPort), '--file', clip], 'READY'));
    writeFileSync(join(dir, 'mosquitto.conf'), `listener ${mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    children.push(await startChild('/usr/sbin/mosquitto', ['-c', join(dir, 'mosquitto.conf')], null));
    await new Promise((r) => setTimeout(r, 500));
    const health: { t: number; cameras: Record<string, { fps: number; dropped: number; skipped: number; inferred: number; state: string }> }[] = [];
    const sub = spawn('/usr/bin/mosquitto_sub', ['-h', '127.0.0.1', '-p', String(mqttPort), '-t', 'edge/+/+/+/health'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(sub);
    let buf = '';
    sub.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          health.push({ t: Date.now(), ...(JSON.parse(line) as { cameras: never }) });
        } catch {
          /* a partial line */
        }
      }
    });
    const config = join(dir, 'site.yaml');
    writeFileSync(config, stringify(siteConfig(n, `rtsp://127.0.0.1:${rtspPort}/h264`, mqttPort)));
    writeGatewayKey(join(dir, KEY_FILE), newKeyPair().privateKey);
    const agent = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js'), 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(agent);
    let log = '';
    agent.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    agent.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const sampler = new ProcessSampler(agent.pid!);
    await sleep(o.warmupS * 1000);
    const warm = health.length;
    sampler.mark();
    const timer = setInterval(() => sampler.sample(), 1000);
    await sleep(o.seconds * 1000);
    clearInterval(timer);
    const cpu = sampler.cpuPct();
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    const window = health.slice(warm);
    const first = health[warm - 1] ?? window[0];
    const last = window[window.length - 1];
    if (!first || !last || window.length === 0) throw new Error(`no health messages from the agent:\n${log.slice(-3000)}`);
    const perCamera = Object.keys(last.cameras).map((id) => {
      const fpsValues = window.map((h) => h.cameras[id]?.fps ?? 0);
      return {
        fps: fpsValues.reduce((a, b) => a + b, 0) / fpsValues.length,
        dropped: (last.cameras[id]?.dropped ?? 0) - (first.cameras[id]?.dropped ?? 0),
        skipped: (last.cameras[id]?.skipped ?? 0) - (first.cameras[id]?.skipped ?? 0),
        inferred: (last.cameras[id]?.inferred ?? 0) - (first.cameras[id]?.inferred ?? 0),
      };
    });
    const stopped = log.split('\n').find((l) => l.includes('"agent stopped"'));
    const inference = stopped ? (JSON.parse(stopped) as { inference: { total: { p50: number; p95: number }; inference: { p50: number; p95: number } }[] }).inference[0] : undefined;
    const fps = perCamera.map((c) => c.fps).sort((a, b) => a - b);
    const skipped = perCamera.reduce((a, c) => a + c.skipped, 0);
    const processed = skipped + perCamera.reduce((a, c) => a + c.inferred, 0);
    return {
      cameras: n,
      clip: clip.split('/').pop()!,
      fps_per_camera: { min: round(fps[0] ?? 0, 2), median: round(fps[Math.floor(fps.length / 2)] ?? 0, 2) },
      dropped_busy: perCamera.reduce((a, c) => a + c.dropped, 0),
      skipped_motion_share: round(processed ? skipped / processed : 0, 3),
      offline_events: (log.match(/"camera offline"/g) ?? []).length,
      inference_ms: { p50: inference?.inference.p50 ?? 0, p95: inference?.inference.p95 ?? 0 },
      arrival_to_detections_ms: { p50: inference?.total.p50 ?? 0, p95: inference?.total.p95 ?? 0 },
      cpu_pct: round(cpu, 0),
      peak_rss_mb: round(sampler.peakRssMb, 0),
      rss_series_mb: sampler.series.map((v) => round(v, 0)),
    };
  } finally {
    for (const c of children.reverse()) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

function siteConfig(n: number, uri: string, mqttPort: number): Record<string, unknown> {
  return {
    gateway: { id: 'gw-bench', province: 'hn', commune: 'bench' },
    logging: { level: 'info' },
    outbox: { path: 'outbox.db' },
    storage: { snapshot_dir: 'snapshots' },
    mqtt: { urls: [`mqtt://127.0.0.1:${mqttPort}`], health_interval_s: 5 },
    cameras: Array.from({ length: n }, (_, i) => ({ id: `cam-${i + 1}`, source: uri, detect_fps: DETECT_FPS, model: 'yolox-nano-int8' })),
  };
}

/** The street clip repeated (concatenated, no re-encode) until it lasts at least `seconds`. */
async function longStreetClip(seconds: number): Promise<string> {
  const repeats = Math.ceil(seconds / STREET_CLIP_S);
  const path = join(ROOT, 'var', 'bench', `vtest_h264_x${repeats}.mp4`);
  if (existsSync(path)) return path;
  mkdirSync(join(ROOT, 'var', 'bench'), { recursive: true });
  const parts = Array.from({ length: repeats }, () => ['filesrc', `location=${STREET_CLIP}`, '!', 'qtdemux', '!', 'h264parse', '!', 'c.']).flat();
  await run('/usr/bin/gst-launch-1.0', ['-q', 'concat', 'name=c', '!', 'h264parse', '!', 'mp4mux', '!', 'filesink', `location=${path}.part`, ...parts]);
  renameSync(`${path}.part`, path);
  return path;
}

/**
 * A still scene: GStreamer's pinwheel test pattern (nothing moves, nothing a detector mistakes for
 * a vehicle; the colour bars of "smpte" are read as objects), encoded once into var/bench.
 */
async function quietClipPath(): Promise<string> {
  const path = join(ROOT, 'var', 'bench', 'still_h264.mp4');
  if (existsSync(path)) return path;
  mkdirSync(join(ROOT, 'var', 'bench'), { recursive: true });
  await run('/usr/bin/gst-launch-1.0', [
    '-q', 'videotestsrc', 'num-buffers=800', 'pattern=pinwheel', '!', 'video/x-raw,width=768,height=576,framerate=10/1', '!',
    'videoconvert', '!', 'video/x-raw,format=I420', '!', 'openh264enc', '!', 'h264parse', '!', 'mp4mux', '!', 'filesink', `location=${path}`,
  ]);
  return path;
}

class ProcessSampler {
  peakRssMb = 0;
  readonly series: number[] = [];
  private samples = 0;
  private startTicks = 0;
  private startMs = 0;
  constructor(private readonly pid: number) {}
  /** The agent and its frame host (children). */
  private pids(): number[] {
    try {
      const kids = readFileSync(`/proc/${this.pid}/task/${this.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      return [this.pid, ...kids];
    } catch {
      return [this.pid];
    }
  }
  private ticks(): number {
    let t = 0;
    for (const pid of this.pids()) {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        t += Number(f[11]) + Number(f[12]);
      } catch {
        /* gone */
      }
    }
    return t;
  }
  mark(): void {
    this.startTicks = this.ticks();
    this.startMs = Date.now();
  }
  sample(): void {
    let kb = 0;
    for (const pid of this.pids()) {
      try {
        kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {
        /* gone */
      }
    }
    this.peakRssMb = Math.max(this.peakRssMb, kb / 1024);
    if (this.samples++ % 10 === 0) this.series.push(kb / 1024);
  }
  /** CPU of the agent and its frame host since mark(), % of one core (clock ticks at 100 Hz). */
  cpuPct(): number {
    return ((this.ticks() - this.startTicks) / 100 / ((Date.now() - this.startMs) / 1000)) * 100;
  }
}

function startChild(cmd: string, args: string[], ready: string | null): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!ready) return Promise.resolve(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(ready)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code}: ${out}`)));
  });
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: 'inherit' });
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
