import { Type, type Static } from '@sinclair/typebox';

// What `edge-agent camera add` learned from the camera over ONVIF, kept with the camera so the
// agent can find it again after an address change (by EPR or serial, never by IP) and so the
// evidence recorder knows the main stream. Mounted as `onvif` in CameraSchema. No password here:
// it lives in secrets_file and reaches the stream URI as ${CAM_<ID>_PASSWORD}.

export const OnvifCameraSchema = Type.Optional(
  Type.Object(
    {
      host: Type.String({ minLength: 1, description: 'Address of the camera device service, as last seen.' }),
      port: Type.Integer({ minimum: 1, maximum: 65535, default: 80, description: 'HTTP port of the ONVIF device service.' }),
      user: Type.Optional(Type.String({ minLength: 1, description: 'ONVIF user; its password is ${CAM_<ID>_PASSWORD} in secrets_file.' })),
      epr: Type.Optional(
        Type.String({ description: 'WS-Discovery endpoint reference (urn:uuid:...): identifies the camera across address changes.' }),
      ),
      serial: Type.Optional(
        Type.String({
          maxLength: 256,
          description:
            'Serial number from GetDeviceInformation; identifies the camera if it has no EPR, and a camera that announces a new ' +
            'address is followed there only if the device at that address reports this serial number.',
        }),
      ),
      hardwareId: Type.Optional(
        Type.String({ maxLength: 256, description: 'Hardware id from GetDeviceInformation; checked with the serial number before following a move.' }),
      ),
      manufacturer: Type.Optional(Type.String({ description: 'From GetDeviceInformation, for the operator.' })),
      model: Type.Optional(Type.String({ description: 'From GetDeviceInformation, for the operator.' })),
      detectProfile: Type.Optional(Type.String({ description: 'Media profile token whose stream feeds detection (usually the sub-stream).' })),
      recordProfile: Type.Optional(Type.String({ description: 'Media profile token of the main stream, for evidence recording.' })),
      recordSource: Type.Optional(
        Type.String({
          pattern: '^(rtsp|rtsps)://.+',
          description: 'Main-stream URI for evidence recording: rtsp://user:${SECRET}@host/path.',
        }),
      ),
      snapshotUri: Type.Optional(Type.String({ description: 'HTTP snapshot URI of the detect profile, without credentials.' })),
      events: Type.Boolean({
        default: false,
        description: "Subscribe to the camera's own ONVIF events (tamper, motion) with a pull point.",
      }),
    },
    { additionalProperties: false, description: 'ONVIF identity and profiles, written by `edge-agent camera add`.' },
  ),
);

export type OnvifCameraConfig = Static<typeof OnvifCameraSchema>;

/** Gateway-wide ONVIF settings for the running agent. */
export const OnvifSiteSchema = Type.Object(
  {
    listen: Type.Boolean({
      default: true,
      description: 'Listen for WS-Discovery Hello/Bye, so a camera known by EPR or serial is followed to a new address.',
    }),
    discoveryPort: Type.Integer({ minimum: 1, maximum: 65535, default: 3702, description: 'WS-Discovery UDP port (3702 on real networks).' }),
  },
  { additionalProperties: false, default: {} },
);

export type OnvifSiteConfig = Static<typeof OnvifSiteSchema>;
