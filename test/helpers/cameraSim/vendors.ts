// The two firmware families the simulator imitates. Reply shapes are in test/fixtures/onvif/<id>/;
// this file says where each service lives and which stream each profile token plays.

export type VendorId = 'hik' | 'dahua';

export interface VendorSpec {
  id: VendorId;
  /** URL paths of the services, as the vendor's GetServices reply names them. */
  paths: { media: string; media2?: string; events: string };
  /** Profile token → RTSP mount of the test server that plays it. */
  streams: Record<string, 'h264' | 'h265'>;
  /** Snapshot path on the device's HTTP port, per profile token. */
  snapshotPath: (token: string) => string;
  realm: string;
  scopes: (name: string) => string[];
  defaultName: string;
  serialPrefix: string;
}

const scope = (kind: string, value: string) => `onvif://www.onvif.org/${kind}/${encodeURIComponent(value)}`;

export const VENDORS: Record<VendorId, VendorSpec> = {
  hik: {
    id: 'hik',
    paths: { media: '/onvif/Media', media2: '/onvif/Media2', events: '/onvif/Events' },
    streams: { Profile_1: 'h265', Profile_2: 'h264' },
    snapshotPath: (token) => `/onvif-http/snapshot?Profile_${token.replace(/\D/g, '')}`,
    realm: 'IP Camera(E1234)',
    scopes: (name) => [
      'onvif://www.onvif.org/type/video_encoder',
      'onvif://www.onvif.org/Profile/Streaming',
      'onvif://www.onvif.org/Profile/T',
      'onvif://www.onvif.org/location/city/hanoi',
      scope('hardware', 'DS-2CD2143G2-I'),
      scope('name', name),
    ],
    defaultName: 'HIKVISION DS-2CD2143G2-I',
    serialPrefix: 'DS-2CD2143G2-I20220101AAWRJ',
  },
  dahua: {
    id: 'dahua',
    paths: { media: '/onvif/media_service', events: '/onvif/event_service' },
    streams: { MediaProfile000: 'h264', MediaProfile001: 'h264', MediaProfile002: 'h264' },
    snapshotPath: (token) => `/onvifsnapshot/media_service/snapshot?channel=1&subtype=${token.slice(-1)}`,
    realm: 'Login to 6J0A5D1PAZ',
    scopes: (name) => [
      'onvif://www.onvif.org/location/country/vietnam',
      scope('name', name),
      scope('mfr', 'Dahua'),
      scope('hardware', 'IPC-HFW2431S-S-S2'),
      'onvif://www.onvif.org/Profile/Streaming',
      'onvif://www.onvif.org/type/Network_Video_Transmitter',
    ],
    defaultName: 'Dahua',
    serialPrefix: '6J0A5D1PAZ',
  },
};
