// Builds GStreamer launch strings. Pure: no GStreamer import, so it is unit-tested on its own.
// Everything costly to do per pixel happens here, inside GStreamer: rate limiting before colour
// conversion, scaling to the detector's input, and the small grey picture for motion.

export interface PipelineOptions {
  uri: string;
  /** Upper bound on frames per second delivered; frames above it are dropped before scaling. 0: every frame. */
  maxFps: number;
  /** Box the picture must fit in (the detector's input); aspect ratio is kept. */
  fitWidth: number;
  fitHeight: number;
  /** Live sources drop old frames so JavaScript always gets the newest; files deliver every frame. */
  live: boolean;
  rtspTransport: 'tcp' | 'udp' | 'auto';
  rtspLatencyMs: number;
  /** Size of the grey picture for motion, or undefined for none. */
  grey?: { width: number; height: number };
}

export const FRAME_SINK = 'frames';
export const GREY_SINK = 'grey';
export const PROBE_SINK = 'probe';
/** The rate limiter; its in/out/duplicate counters say how many frames the camera offered. */
export const RATE_ELEMENT = 'rate';

export function isLiveUri(uri: string): boolean {
  return /^rtsps?:\/\//i.test(uri);
}

/** Quotes a value for gst_parse_launch: double quotes, with backslash and quote escaped. */
export function gstQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function sourcePart(o: PipelineOptions): string {
  if (isLiveUri(o.uri)) {
    const protocols = o.rtspTransport === 'auto' ? 'tcp+udp' : o.rtspTransport;
    // Only the video RTP pad is linked: cameras often also send audio or metadata streams.
    return (
      `rtspsrc name=src location=${gstQuote(o.uri)} protocols=${protocols} latency=${o.rtspLatencyMs} ` +
      `drop-on-latency=true tcp-timeout=5000000 ! application/x-rtp,media=video ! decodebin name=dec`
    );
  }
  return `uridecodebin name=dec uri=${gstQuote(o.uri)} caps=video/x-raw`;
}

function sinkPart(name: string, caps: string, live: boolean): string {
  // Live: the newest frames win (drop=true), but two are kept: RTP delivers frames in bursts, and
  // with one slot the first of two frames arriving together was lost though the agent was idle.
  // Files: back-pressure, so no frame is lost and a replay gives the same result every time.
  const q = live ? 'queue leaky=downstream max-size-buffers=1 max-size-time=0 max-size-bytes=0' : 'queue max-size-buffers=2';
  const sink = live ? 'max-buffers=2 drop=true' : 'max-buffers=1 drop=false';
  return `${q} ! videoscale ! videoconvert ! ${caps} ! appsink name=${name} ${sink} sync=false emit-signals=false`;
}

export function buildPipeline(o: PipelineOptions): string {
  const rate = Math.max(0.1, o.maxFps);
  const fraction = `${Math.round(rate * 1000)}/1000`;
  const unlimited = o.maxFps <= 0; // e.g. measuring a camera's own frame rate
  // Files: drop-only keeps the original frames and timing. Live RTP buffers carry no duration, and
  // videorate's max-rate aborts the process on them (GStreamer 1.22), so live streams get a fixed
  // output rate instead; a camera slower than the detect rate then repeats frames, which the motion
  // gate skips.
  const rateLimit = unlimited
    ? 'identity'
    : o.live
    ? `videorate name=${RATE_ELEMENT} ! video/x-raw,framerate=${fraction}`
    : Number.isInteger(rate)
      ? `videorate name=${RATE_ELEMENT} drop-only=true max-rate=${rate}`
      : `videorate name=${RATE_ELEMENT} drop-only=true ! video/x-raw,framerate=${fraction}`;
  const frames =
    `video/x-raw,format=BGR,width=[1,${o.fitWidth}],height=[1,${o.fitHeight}],pixel-aspect-ratio=1/1`;
  const parts = [
    `${sourcePart(o)} dec. ! ${rateLimit} ! tee name=t`,
    `t. ! ${sinkPart(FRAME_SINK, frames, o.live)}`,
    // The probe keeps a reference to the last full-size frame (no copy) so the source size can be read.
    `t. ! queue leaky=downstream max-size-buffers=1 ! fakesink name=${PROBE_SINK} sync=false async=false enable-last-sample=true`,
  ];
  if (o.grey) {
    parts.push(`t. ! ${sinkPart(GREY_SINK, `video/x-raw,format=GRAY8,width=${o.grey.width},height=${o.grey.height}`, o.live)}`);
  }
  return parts.join(' ');
}

/** GST_PLUGIN_FEATURE_RANK value that makes decodebin prefer (auto) or avoid (software) hardware decoders. */
export function decoderRanks(mode: 'auto' | 'software'): string {
  const hw = [
    'v4l2h264dec', 'v4l2h265dec', 'v4l2slh264dec', 'v4l2slh265dec',
    'vah264dec', 'vah265dec', 'vaapih264dec', 'vaapih265dec',
    'nvh264dec', 'nvh265dec', 'nvv4l2decoder',
  ];
  const rank = mode === 'auto' ? 'PRIMARY+10' : 'NONE';
  return hw.map((name) => `${name}:${rank}`).join(',');
}
