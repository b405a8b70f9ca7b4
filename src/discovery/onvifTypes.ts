// What a probe learns about a camera. Plain data: printed by the CLI, written into the config.

/** GetDeviceInformation. Fields a firmware leaves out are empty strings. */
export interface DeviceInfo {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

/** Service addresses (XAddrs) the camera advertises; absent when it lacks the service. */
export interface OnvifServices {
  device: string;
  media?: string;
  media2?: string;
  events?: string;
  imaging?: string;
  ptz?: string;
}

/** One media profile with its video encoder settings and URIs. */
export interface MediaProfile {
  token: string;
  name: string;
  /** As the camera names it: H264, H265, JPEG, MPEG4... */
  encoding: string;
  width: number;
  height: number;
  /** Frame-rate limit of the encoder, frames per second; undefined if not reported. */
  fps?: number;
  bitrateKbps?: number;
  /** rtsp:// URI without credentials, as returned by GetStreamUri. */
  streamUri?: string;
  snapshotUri?: string;
  /** Which media service listed it (Media2 preferred where offered: it knows H.265). */
  service: 'media' | 'media2';
}

/** Everything `camera probe` reports. */
export interface CameraProbe {
  /** Device service URL that answered, e.g. http://10.0.0.5/onvif/device_service. */
  deviceUrl: string;
  host: string;
  port: number;
  /** Camera clock − our clock when probed, in ms (positive: camera ahead). */
  clockOffsetMs: number;
  /** Where the camera's time came from: its UTC clock, its local clock (with or without a known zone), or nowhere. */
  clock: 'utc' | 'local' | 'local-unknown-zone' | 'unavailable';
  /** How the camera accepted our credentials. */
  auth: 'ws-security' | 'http-digest' | 'none';
  device: DeviceInfo;
  services: OnvifServices;
  profiles: MediaProfile[];
}
