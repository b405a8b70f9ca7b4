import { StreamError } from '../errors.js';

interface Context {
  cameraId: string;
  /** Already redacted. */
  uri: string;
}

// GStreamer reports failures as free text from whichever element hit them. These patterns sort the
// common ones into kinds an operator can act on; anything else is kept verbatim as 'pipeline'.
const RULES: { kind: StreamError['kind']; re: RegExp; advice: string }[] = [
  { kind: 'missing-plugin', re: /missing a plug-?in|no suitable plugins|no decoder|not-negotiated|No element/i, advice: 'a GStreamer plugin is missing for this codec; run scripts/setup (gstreamer1.0-libav, -plugins-bad)' },
  { kind: 'not-found', re: /not found|No such file|Could not open .* for reading\.?$/i, advice: 'check the path or URI' },
  { kind: 'connection', re: /Unauthorized|401|authenticat/i, advice: 'the camera refused the user name or password' },
  { kind: 'connection', re: /Could not (connect|open resource for reading and writing)|timeout|timed out|Connection refused|resolve/i, advice: 'check that the camera is reachable and the RTSP URI is right' },
  { kind: 'decode', re: /demultiplex|no playable|text file|decode|invalid|corrupt|not a|Internal data stream error|stream format|type not found|Could not determine type/i, advice: 'the video is damaged or not in a format GStreamer recognises' },
];

/** `debug` is GStreamer's detail text; it names the missing decoder when one is missing. */
export function classifyBusError(message: string, element: string, debug: string, ctx: Context): StreamError {
  const missing = /Missing (?:decoder|element|plugin): ([^(\n]+)/.exec(debug)?.[1]?.trim();
  if (missing) {
    return new StreamError('missing-plugin', `camera ${ctx.cameraId}: GStreamer has no ${missing} decoder (${ctx.uri}); run scripts/setup to install gstreamer1.0-libav and gstreamer1.0-plugins-bad`);
  }
  for (const rule of RULES) {
    if (rule.re.test(message)) {
      return new StreamError(rule.kind, `camera ${ctx.cameraId}: ${message} [${element}] (${ctx.uri}): ${rule.advice}`);
    }
  }
  return new StreamError('pipeline', `camera ${ctx.cameraId}: GStreamer error from ${element}: ${message} (${ctx.uri})`);
}
