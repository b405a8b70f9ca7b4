import { accessSync, constants, readdirSync } from 'node:fs';
import { row, type Check, type CheckRow } from './check.js';
import { runCommand } from './run.js';

// GStreamer as the agent will use it: version, the elements its pipelines are built from, an H.264
// and an H.265 decoder, and which hardware decoders exist. gst-inspect-1.0 (Debian's
// gstreamer1.0-tools) reads the same plugin registry the agent does, in a separate process, so a
// broken plugin cannot take the doctor down.

const H264_SOFTWARE = ['avdec_h264', 'openh264dec'];
const H265_SOFTWARE = ['avdec_h265', 'libde265dec'];
const HARDWARE = [
  'v4l2h264dec', 'v4l2h265dec', 'v4l2slh264dec', 'v4l2slh265dec',
  'vah264dec', 'vah265dec', 'vaapih264dec', 'vaapih265dec', 'nvh264dec', 'nvh265dec', 'nvv4l2decoder',
];
/** Elements of every pipeline (src/stream/pipelineSpec.ts) and the package that ships each. */
const COMMON: Record<string, string> = {
  uridecodebin: 'gstreamer1.0-plugins-base', decodebin: 'gstreamer1.0-plugins-base', videoconvert: 'gstreamer1.0-plugins-base',
  videoscale: 'gstreamer1.0-plugins-base', videorate: 'gstreamer1.0-plugins-base', appsink: 'gstreamer1.0-plugins-base',
  tee: 'libgstreamer1.0-0', queue: 'libgstreamer1.0-0', fakesink: 'libgstreamer1.0-0',
};
const RTSP: Record<string, string> = {
  rtspsrc: 'gstreamer1.0-plugins-good', rtph264depay: 'gstreamer1.0-plugins-good', rtph265depay: 'gstreamer1.0-plugins-good',
  h264parse: 'gstreamer1.0-plugins-bad', h265parse: 'gstreamer1.0-plugins-bad',
};
const FILES: Record<string, string> = { qtdemux: 'gstreamer1.0-plugins-good' };

export interface GstNeeds {
  /** Some camera is an RTSP stream. */
  rtsp: boolean;
  /** Some camera is a file. */
  files: boolean;
  /** video.decoder: software means hardware decoders are not used. */
  decoder: 'auto' | 'software';
}

/** Element names from `gst-inspect-1.0` with no argument ("plugin:  element: description" lines). */
export function parseElements(listing: string): Set<string> {
  const out = new Set<string>();
  for (const m of listing.matchAll(/^[\w.-]+:\s+([\w.-]+):\s/gm)) out.add(m[1]!);
  return out;
}

/** "1.22.0" from `gst-inspect-1.0 --version`. */
export function parseGstVersion(text: string): string | undefined {
  return /GStreamer\s+(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
}

/** Rows for a set of installed elements; pure, for tests. */
export function gstRows(version: string, elements: Set<string>, needs: GstNeeds): CheckRow[] {
  const rows: CheckRow[] = [];
  const [major = 0, minor = 0] = version.split('.').map(Number);
  rows.push(
    major > 1 || minor >= 20
      ? row('gstreamer', 'pass', `GStreamer ${version}`)
      : row('gstreamer', 'warn', `GStreamer ${version} is older than the tested 1.20`, 'use Debian 12 (bookworm) or newer'),
  );
  const wanted = { ...COMMON, ...(needs.rtsp ? RTSP : {}), ...(needs.files ? FILES : {}) };
  const missing = Object.keys(wanted).filter((e) => !elements.has(e));
  rows.push(
    missing.length === 0
      ? row('gstreamer elements', 'pass', `${Object.keys(wanted).length} pipeline elements present`)
      : row('gstreamer elements', 'fail', `missing: ${missing.join(', ')}`, `apt install ${[...new Set(missing.map((e) => wanted[e]))].join(' ')}`),
  );
  const hw = HARDWARE.filter((e) => elements.has(e));
  const decoders = (codec: string, software: string[], hwPattern: RegExp, pkg: string, missingStatus: 'fail' | 'warn') => {
    const found = [...software.filter((e) => elements.has(e)), ...(needs.decoder === 'auto' ? hw.filter((e) => hwPattern.test(e)) : [])];
    return found.length > 0
      ? row(`${codec} decoder`, 'pass', found.join(', '))
      : row(`${codec} decoder`, missingStatus, `no ${codec} decoder`, `apt install ${pkg}`);
  };
  rows.push(decoders('H.264', H264_SOFTWARE, /264|nvv4l2/, 'gstreamer1.0-libav', 'fail'));
  rows.push(decoders('H.265', H265_SOFTWARE, /265|nvv4l2/, 'gstreamer1.0-libav', 'warn'));
  if (needs.decoder === 'software') rows.push(row('hardware decoders', 'skip', 'video.decoder: software'));
  else rows.push(row('hardware decoders', 'pass', hw.length > 0 ? `${hw.join(', ')} (preferred)` : 'none found; decoding in software'));
  return rows;
}

/** A device node hardware decoders open, and whether this user may open it read-write. */
export interface DeviceNode {
  path: string;
  usable: boolean;
}

/**
 * Hardware decoders need their device nodes: /dev/video* (V4L2, arm64 boards) or /dev/dri/renderD*
 * (VA-API). GStreamer lists the element when the node exists, but the service user also needs the
 * video or render group (the unit's SupplementaryGroups); without it decoding falls back to software.
 */
export function deviceRow(hw: string[], nodes: DeviceNode[]): CheckRow | undefined {
  const families = [
    { test: /^v4l2|^nvv4l2/, node: /^\/dev\/video/, group: 'video' },
    { test: /^va/, node: /^\/dev\/dri\/renderD/, group: 'render' },
  ].filter((f) => hw.some((e) => f.test.test(e)));
  if (families.length === 0) return undefined;
  const blocked = families.filter((f) => {
    const own = nodes.filter((n) => f.node.test(n.path));
    return own.length > 0 && !own.some((n) => n.usable);
  });
  if (blocked.length === 0) return row('decoder devices', 'pass', nodes.filter((n) => n.usable).map((n) => n.path).join(', ') || 'none needed');
  return row(
    'decoder devices',
    'warn',
    `${blocked.map((f) => nodes.filter((n) => f.node.test(n.path)).map((n) => n.path).join(', ')).join(', ')} not usable by this user: hardware decoding falls back to software`,
    `add the user to the group(s) ${blocked.map((f) => f.group).join(' and ')} (usermod -aG …); the service gets them from SupplementaryGroups=`,
  );
}

/** /dev/video* and /dev/dri/renderD* on this machine, with access(2) for read and write. */
export function listDeviceNodes(): DeviceNode[] {
  const out: DeviceNode[] = [];
  for (const [dir, prefix] of [['/dev', 'video'], ['/dev/dri', 'renderD']] as const) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.startsWith(prefix));
    } catch {
      continue;
    }
    for (const n of names) {
      const path = `${dir}/${n}`;
      let usable = true;
      try {
        accessSync(path, constants.R_OK | constants.W_OK);
      } catch {
        usable = false;
      }
      out.push({ path, usable });
    }
  }
  return out;
}

export function gstreamerCheck(needs: GstNeeds): Check {
  return {
    name: 'gstreamer',
    timeoutMs: 8000,
    async run(signal) {
      const version = await runCommand('gst-inspect-1.0', ['--version'], signal);
      if (version.missing) {
        return [row('gstreamer', 'warn', 'gst-inspect-1.0 is not installed: plugins not checked', 'apt install gstreamer1.0-tools')];
      }
      const listing = await runCommand('gst-inspect-1.0', [], signal);
      if (listing.code !== 0) return [row('gstreamer', 'fail', `gst-inspect-1.0 failed: ${listing.stderr.split('\n')[0]}`, 'run scripts/setup (or reinstall the GStreamer packages)')];
      const elements = parseElements(listing.stdout);
      const rows = gstRows(parseGstVersion(version.stdout) ?? 'unknown', elements, needs);
      const devices = needs.decoder === 'auto' ? deviceRow(HARDWARE.filter((e) => elements.has(e)), listDeviceNodes()) : undefined;
      return devices ? [...rows, devices] : rows;
    },
  };
}
