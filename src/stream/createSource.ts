import type { CameraConfig } from '../config/cameraSchema.js';
import { GstFrameSource } from './gstFrameSource.js';

export interface SourceSizing {
  fitWidth: number;
  fitHeight: number;
  /** Grey picture for the motion gate and health checks. */
  grey?: { width: number; height: number };
  decoder: 'auto' | 'software';
}

/** A GStreamer source for one configured camera, scaled for its detector. */
export function createCameraSource(cam: CameraConfig, sizing: SourceSizing): GstFrameSource {
  return new GstFrameSource({
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
  });
}
