import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = resolve(ROOT, '..', 'shared');
/** Outdoor street, pedestrians, a parked van and car; H.264 768×576, 10 fps, 79.5 s. */
export const STREET = join(SHARED, 'videos', 'vtest_h264.mp4');
/** Overhead parking lot with an AAC audio track; H.264 768×432. */
export const PARKING = join(SHARED, 'videos', 'car-detection.mp4');
const OPENCV = join(ROOT, 'var', 'media', 'opencv-doc', 'usr', 'share', 'doc', 'opencv-doc', 'examples', 'data');
/** Debian opencv-doc's damaged AVI (fetched by scripts/fetch-test-media). */
export const MEGAMIND_BUGY = join(OPENCV, 'Megamind_bugy.avi');
export const VTEST_AVI = join(OPENCV, 'vtest.avi');

export function tempDir(prefix = 'edge-agent-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function requireFile(path: string): string {
  if (!existsSync(path)) throw new Error(`test media missing: ${path} (run scripts/setup)`);
  return path;
}

/** Encodes a GStreamer test pattern into an MP4 (H.264 or H.265), as a synthetic camera would. */
export function makePatternClip(path: string, opts: { pattern?: string; codec?: 'h264' | 'h265'; frames?: number } = {}): string {
  const enc = opts.codec === 'h265' ? ['x265enc', 'speed-preset=ultrafast', '!', 'h265parse'] : ['openh264enc', '!', 'h264parse'];
  execFileSync('gst-launch-1.0', [
    '-q', 'videotestsrc', `pattern=${opts.pattern ?? 'smpte'}`, `num-buffers=${opts.frames ?? 50}`, '!',
    'video/x-raw,width=640,height=360,framerate=10/1', '!', 'videoconvert', '!', 'video/x-raw,format=I420', '!',
    ...enc, '!', 'mp4mux', '!', 'filesink', `location=${path}`,
  ]);
  return path;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/) as a child process, like a technician or systemd would. */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number; onSpawn?: (kill: (sig: NodeJS.Signals) => void, out: () => string) => void; onPid?: (pid: number) => void } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 110_000);
    opts.onSpawn?.((sig) => child.kill(sig), () => stderr + stdout);
    if (child.pid) opts.onPid?.(child.pid);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}
