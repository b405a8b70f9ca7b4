import type { CameraConfig } from '../config/cameraSchema.js';
import { GstFrameSource, type GstSourceOptions } from './gstFrameSource.js';

export interface SourceSizing {
  fitWidth: number;
  fitHeight: number;
  /** Grey picture for the motion gate and health checks. */
  grey?: { width: number; height: number };
  decoder: 'auto' | 'software';
}

/** Pipeline settings for one configured camera, scaled for its detector. */
export function sourceOptions(cam: CameraConfig, sizing: SourceSizing): GstSourceOptions {
  return {
    cameraId: cam.id,
    uri: cam.source,
    maxFps: cam.detectFps,
    fitWidth: sizing.fitWidth,
    fitHeight: sizing.fitHeight,
    rtspTransport: cam.rtspTransport,
    rtspLatencyMs: cam.rtspLatencyMs,
    stallTimeoutS: cam.stallTimeoutS,
    grey: sizing.grey,
    decoder: sizing.decoder,
  };
}

/** A GStreamer source in this process, for one-camera commands (camera test, preview). */
export function createCameraSource(cam: CameraConfig, sizing: SourceSizing): GstFrameSource {
  return new GstFrameSource(sourceOptions(cam, sizing));
}
