// The frame host: a child process of the agent that runs every camera's GStreamer pipeline.
//
// gstreamer-superficial waits for frames and bus messages in blocking calls on libuv's thread pool
// (one pull per appsink, one bus poll per pipeline). The pool is process-wide, so in the agent's
// own process a dozen cameras took every pool thread and starved inference, SQLite, MQTT and each
// other. Here the pool serves nothing but these waits and is sized for them by the agent; a
// GStreamer crash or a worker stuck in a pull ends this process, never the agent, which can always
// kill it and start another.
import { StreamError } from '../errors.js';
import { GstFrameSource } from './gstFrameSource.js';
import type { HostReply, HostRequest } from './frameHostProtocol.js';

const sources = new Map<number, GstFrameSource>();

function send(reply: HostReply): void {
  process.send?.(reply);
}

function failed(id: number, err: unknown): HostReply {
  const e = err instanceof StreamError ? err : new StreamError('pipeline', err instanceof Error ? err.message : String(err));
  return { op: 'failed', id, kind: e.kind, message: e.message };
}

async function handle(m: HostRequest): Promise<void> {
  if (m.op === 'open') {
    const source = new GstFrameSource(m.options);
    sources.set(m.id, source);
    try {
      await source.start();
    } catch (err) {
      source.stop();
      sources.delete(m.id);
      throw err;
    }
    send({ op: 'opened', id: m.id });
  } else if (m.op === 'next') {
    const source = sources.get(m.id);
    if (!source) throw new StreamError('pipeline', `no open source ${m.id} in the frame host`);
    const frame = await source.next();
    if (!frame) send({ op: 'end', id: m.id });
    else send({ op: 'frame', id: m.id, frame, offered: source.offeredFrames(), decoder: source.decoderName });
  } else if (m.op === 'stop') {
    sources.get(m.id)?.stop();
    sources.delete(m.id);
  }
}

process.on('message', (m: HostRequest) => {
  handle(m).catch((err: unknown) => send(failed(m.id, err)));
});
// The agent is gone (it exited, crashed or was killed): nothing is left to deliver frames to. A
// normal exit would wait for the pool threads, and one may be stuck in a pull forever; this process
// holds no state worth saving, so it ends at once and the kernel closes its camera connections.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
