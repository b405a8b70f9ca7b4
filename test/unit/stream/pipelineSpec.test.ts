import { describe, expect, it } from 'vitest';
import { buildPipeline, decoderRanks, gstQuote, isLiveUri } from '../../../src/stream/pipelineSpec.js';
import { classifyBusError } from '../../../src/stream/busErrors.js';

const base = { maxFps: 5, fitWidth: 416, fitHeight: 416, rtspTransport: 'tcp' as const, rtspLatencyMs: 200 };

describe('pipeline strings', () => {
  it('rate-limits before scaling and keeps every frame of a file', () => {
    const p = buildPipeline({ ...base, uri: 'file:///v.mp4', live: false });
    expect(p).toMatch(/uridecodebin .*uri="file:\/\/\/v.mp4".* videorate name=rate drop-only=true max-rate=5 ! tee/);
    expect(p).toContain('width=[1,416],height=[1,416],pixel-aspect-ratio=1/1');
    expect(p).toContain('appsink name=frames max-buffers=1 drop=false');
    expect(p).not.toContain('name=grey');
  });
  it('drops old frames for a live camera and links only its video RTP stream', () => {
    const p = buildPipeline({ ...base, uri: 'rtsp://u:p@cam/s', live: true, grey: { width: 160, height: 120 } });
    expect(p).toMatch(/^rtspsrc name=src location="rtsp:\/\/u:p@cam\/s" protocols=tcp latency=200/);
    expect(p).toContain('application/x-rtp,media=video ! decodebin');
    expect(p).toContain('videorate name=rate ! video/x-raw,framerate=5000/1000');
    expect(p).toContain('appsink name=frames max-buffers=2 drop=true');
    expect(p).toContain('format=GRAY8,width=160,height=120 ! queue'.slice(0, 0) + 'format=GRAY8,width=160,height=120');
  });
  it('uses a framerate cap for fractional file rates', () => {
    expect(buildPipeline({ ...base, maxFps: 0.5, uri: 'file:///v.mp4', live: false })).toContain('framerate=500/1000');
  });
  it('passes every frame when no rate is set', () => {
    const p = buildPipeline({ ...base, maxFps: 0, uri: 'rtsp://cam/s', live: true });
    expect(p).not.toContain('videorate');
  });
  it('quotes values so a URI cannot break the launch string', () => {
    expect(gstQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
  });
  it('tells live URIs from files', () => {
    expect(isLiveUri('rtsp://x')).toBe(true);
    expect(isLiveUri('RTSPS://x')).toBe(true);
    expect(isLiveUri('file:///x')).toBe(false);
  });
  it('ranks hardware decoders up for auto and out for software', () => {
    expect(decoderRanks('auto')).toContain('v4l2h264dec:PRIMARY+10');
    expect(decoderRanks('auto')).toContain('vah265dec:PRIMARY+10');
    expect(decoderRanks('software')).toContain('vah264dec:NONE');
  });
});

describe('bus error classification', () => {
  const ctx = { cameraId: 'c1', uri: 'rtsp://***@cam/s' };
  it.each([
    ['Could not open resource for reading and writing.', 'connection'],
    ['Unauthorized', 'connection'],
    ['This file contains no playable streams.', 'decode'],
    ['Could not determine type of stream.', 'decode'],
    ['Your GStreamer installation is missing a plug-in.', 'missing-plugin'],
    ['Resource not found.', 'not-found'],
    ['Something new', 'pipeline'],
  ])('%s → %s', (message, kind) => {
    const err = classifyBusError(message, '/pipeline0/x', '', ctx);
    expect(err.kind).toBe(kind);
    expect(err.message).toContain('camera c1');
    expect(err.message).toContain('rtsp://***@cam/s');
  });
  it('names the missing decoder from the debug text', () => {
    const debug = 'no suitable plugins found:\nMissing decoder: H.265 (Main Profile) (video/x-h265, width=(int)768)';
    const err = classifyBusError('Your GStreamer installation is missing a plug-in.', 'dec', debug, ctx);
    expect(err.kind).toBe('missing-plugin');
    expect(err.message).toContain('GStreamer has no H.265 decoder');
  });
});
