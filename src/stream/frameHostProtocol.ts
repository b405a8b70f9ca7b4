// Messages between the agent and its frame host, the child process that runs every GStreamer
// pipeline (see frameHost.ts). Plain data and Buffers: sent with Node's 'advanced' IPC
// serialisation, which keeps Buffers as Buffers.
import type { StreamErrorKind } from '../errors.js';
import type { Frame } from '../types.js';
import type { GstSourceOptions } from './gstFrameSource.js';

export type HostRequest =
  | { op: 'open'; id: number; options: GstSourceOptions }
  | { op: 'next'; id: number }
  | { op: 'stop'; id: number };

export type HostReply =
  | { op: 'opened'; id: number }
  /** `offered`: frames the camera delivered at the detect rate so far (see GstFrameSource.offeredFrames). */
  | { op: 'frame'; id: number; frame: Frame; offered?: number; decoder?: string }
  | { op: 'end'; id: number }
  | { op: 'failed'; id: number; kind: StreamErrorKind; message: string };
