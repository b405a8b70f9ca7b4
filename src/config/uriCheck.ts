import type { Config } from './schema.js';
import { checkUri, UriProblem } from './uri.js';

// Every URI of the config is parsed here, at load time, the way the agent will parse it later
// (`new URL`). A URI that would fail or be read differently there is a config error now, with the
// key, instead of a `TypeError: Invalid URL` minutes into a run.

/** A problem at a YAML path (snake_case segments, indexes as digits). */
export interface KeyProblem {
  path: string[];
  message: string;
}

const STREAM = ['file', 'rtsp', 'rtsps'];
const RECORD = ['rtsp', 'rtsps'];
const BROKER = ['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss'];

export function checkUris(config: Config): KeyProblem[] {
  const out: KeyProblem[] = [];
  const check = (path: string[], uri: string | undefined, schemes: string[]) => {
    if (uri === undefined) return;
    const r = checkUri(uri, schemes);
    if (r instanceof UriProblem) out.push({ path, message: `the URI ${r.message}` });
  };
  config.cameras.forEach((cam, i) => {
    check(['cameras', String(i), 'source'], cam.source, STREAM);
    check(['cameras', String(i), 'onvif', 'record_source'], cam.onvif?.recordSource, RECORD);
  });
  config.mqtt?.urls.forEach((url, i) => check(['mqtt', 'urls', String(i)], url, BROKER));
  return out;
}
