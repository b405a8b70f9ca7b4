import { describe, expect, it } from 'vitest';
import { formatTable, row, runChecks, type Check } from '../../../src/health/doctor/check.js';
import { clockRow, parseChronyTracking, parseTimesyncOffset } from '../../../src/health/doctor/clockCheck.js';
import { deviceRow, gstRows, parseElements, parseGstVersion } from '../../../src/health/doctor/gstreamerCheck.js';

// Recorded outputs of the tools the doctor reads (systemd 252, chrony 4.3, GStreamer 1.22).
const TIMESYNC = `       Server: 192.168.1.1 (192.168.1.1)
Poll interval: 34min 8s (min: 32s; max 34min 8s)
         Leap: normal
      Version: 4
      Stratum: 2
    Reference: 4FF09F0B
    Precision: 1us (-24)
Root distance: 35.272ms (max: 5s)
       Offset: -1.016ms
        Delay: 61.218ms
       Jitter: 2.417ms
 Packet count: 108
    Frequency: +10.203ppm
`;
const CHRONY = `Reference ID    : C0A80101 (192.168.1.1)
Stratum         : 3
Ref time (UTC)  : Thu Dec 03 07:59:58 2026
System time     : 1.500012345 seconds fast of NTP time
Last offset     : -0.000009876 seconds
RMS offset      : 0.000021000 seconds
Frequency       : 3.456 ppm fast
Leap status     : Normal
`;
const CHRONY_UNSYNCED = CHRONY.replace('1.500012345 seconds fast', '0.000000000 seconds slow').replace('Leap status     : Normal', 'Leap status     : Not synchronised');
const GST_LIST = `app:  appsink: AppSink
coreelements:  queue: Queue
coreelements:  tee: Tee pipe fitting
coreelements:  fakesink: Fake Sink
playback:  uridecodebin: URI Decoder
playback:  decodebin: Decoder Bin
videoconvertscale:  videoconvert: Colorspace converter
videoconvertscale:  videoscale: Video scaler
videorate:  videorate: Video rate adjuster
libav:  avdec_h264: libav H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 decoder
rtsp:  rtspsrc: RTSP packet receiver
rtp:  rtph264depay: RTP H264 depayloader
rtp:  rtph265depay: RTP H265 depayloader
videoparsersbad:  h264parse: H.264 parser
videoparsersbad:  h265parse: H.265 parser
video4linux2:  v4l2h264dec: V4L2 H264 Decoder

Total count: 12 plugins, 16 features
`;

describe('doctor: clock', () => {
  it('reads the offset of systemd-timesyncd and chrony', () => {
    expect(parseTimesyncOffset(TIMESYNC)).toBeCloseTo(-0.001016, 9);
    expect(parseTimesyncOffset('       Offset: +2.5s\n')).toBe(2.5);
    expect(parseTimesyncOffset('nothing here')).toBeUndefined();
    expect(parseChronyTracking(CHRONY)).toEqual({ offsetS: 1.500012345, synced: true });
    expect(parseChronyTracking(CHRONY_UNSYNCED)?.synced).toBe(false);
  });

  it('passes a small offset, warns above 1 s, when unsynchronised and when unknown', () => {
    expect(clockRow('systemd-timesyncd', -0.001016)).toMatchObject({ status: 'pass', detail: 'systemd-timesyncd: offset -1.0 ms' });
    expect(clockRow('chrony', 1.500012345)).toMatchObject({ status: 'warn', detail: 'chrony: offset +1.500 s' });
    expect(clockRow('chrony', 0, false)).toMatchObject({ status: 'warn', detail: expect.stringContaining('not synchronised') });
    expect(clockRow(undefined, undefined)).toMatchObject({ status: 'warn', detail: expect.stringContaining('unknown') });
  });
});

describe('doctor: GStreamer', () => {
  it('finds the elements, the decoders and the hardware ones', () => {
    const elements = parseElements(GST_LIST);
    expect(elements.has('avdec_h264')).toBe(true);
    expect(elements.has('Total')).toBe(false);
    expect(parseGstVersion('gst-inspect-1.0 version 1.22.0\nGStreamer 1.22.0\n')).toBe('1.22.0');
    const rows = gstRows('1.22.0', elements, { rtsp: true, files: false, decoder: 'auto' });
    expect(rows.map((r) => [r.check, r.status])).toEqual([
      ['gstreamer', 'pass'],
      ['gstreamer elements', 'pass'],
      ['H.264 decoder', 'pass'],
      ['H.265 decoder', 'warn'],
      ['hardware decoders', 'pass'],
    ]);
    expect(rows[2]!.detail).toBe('avdec_h264, v4l2h264dec');
    expect(rows[3]!.remedy).toBe('apt install gstreamer1.0-libav');
    expect(rows[4]!.detail).toBe('v4l2h264dec (preferred)');
  });

  it('fails without an H.264 decoder or a pipeline element, naming the package', () => {
    const elements = parseElements(GST_LIST.replace(/^libav:.*\n/m, '').replace(/^rtsp:.*\n/m, '').replace(/^video4linux2:.*\n/m, ''));
    const rows = gstRows('1.22.0', elements, { rtsp: true, files: true, decoder: 'auto' });
    expect(rows.find((r) => r.check === 'gstreamer elements')).toMatchObject({
      status: 'fail',
      detail: 'missing: rtspsrc, qtdemux',
      remedy: 'apt install gstreamer1.0-plugins-good',
    });
    expect(rows.find((r) => r.check === 'H.264 decoder')?.status).toBe('fail');
    expect(gstRows('1.22.0', elements, { rtsp: false, files: false, decoder: 'software' }).at(-1)?.status).toBe('skip');
  });
});

describe('doctor: hardware decoder devices', () => {
  it('warns when the decoder exists but its device node is not usable, naming the group', () => {
    expect(deviceRow(['v4l2h264dec'], [{ path: '/dev/video10', usable: false }, { path: '/dev/video11', usable: false }])).toMatchObject({
      status: 'warn',
      detail: '/dev/video10, /dev/video11 not usable by this user: hardware decoding falls back to software',
      remedy: expect.stringContaining('group(s) video'),
    });
    expect(deviceRow(['vah264dec'], [{ path: '/dev/dri/renderD128', usable: false }])?.remedy).toContain('render');
    expect(deviceRow(['v4l2h264dec'], [{ path: '/dev/video10', usable: false }, { path: '/dev/video11', usable: true }])).toMatchObject({
      status: 'pass',
      detail: '/dev/video11',
    });
    expect(deviceRow([], [{ path: '/dev/video0', usable: false }])).toBeUndefined();
  });
});

describe('doctor: runner and table', () => {
  it('runs checks at once, keeps their order, turns a hung or throwing check into a fail row', async () => {
    const checks: Check[] = [
      { name: 'hangs', timeoutMs: 50, run: () => new Promise(() => undefined) },
      { name: 'throws', timeoutMs: 1000, run: () => Promise.reject(new Error('boom\nsecond line')) },
      { name: 'ok', timeoutMs: 1000, run: async () => [row('ok', 'pass', 'fine')] },
    ];
    const rows = await runChecks(checks);
    expect(rows).toEqual([
      { check: 'hangs', status: 'fail', detail: 'no answer within 0.05 s', remedy: expect.any(String) },
      { check: 'throws', status: 'fail', detail: 'check failed: boom' },
      { check: 'ok', status: 'pass', detail: 'fine' },
    ]);
  });

  it('aborts the signal of a check that timed out, so it can stop its work', async () => {
    let aborted = false;
    await runChecks([{ name: 'slow', timeoutMs: 20, run: (signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true))) }]);
    expect(aborted).toBe(true);
  });

  it('prints one line per row with the remedy after a warn or fail, and a count', () => {
    const text = formatTable([row('clock', 'warn', 'offset unknown', 'enable time sync'), row('config', 'pass', 'ok', 'never shown')]);
    expect(text.split('\n')).toEqual([
      'CHECK   STATUS  DETAIL',
      'clock   WARN    offset unknown  → enable time sync',
      'config  PASS    ok',
      '',
      '1 pass, 1 warn, 0 fail, 0 skipped',
      '',
    ]);
  });
});
