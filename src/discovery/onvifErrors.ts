// Every way a camera probe can fail, each with its own class so that the CLI can print one clear
// sentence and a technician knows what to do next (check the cable, the password, the clock...).

/** What went wrong, in the technician's terms; also the `kind` of every OnvifError. */
export type OnvifErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'not-onvif'
  | 'bad-reply'
  | 'auth'
  | 'credentials-needed'
  | 'bad-address'
  | 'clock'
  | 'stream-uri'
  | 'fault';

/** Base class: `address` is the device service URL that failed (never with credentials). */
export class OnvifError extends Error {
  constructor(
    readonly kind: OnvifErrorKind,
    readonly address: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OnvifError';
  }
}

/** No TCP connection: wrong address, camera off, cable, VLAN or firewall. */
export class CameraUnreachableError extends OnvifError {
  constructor(address: string, detail: string, options?: { cause?: unknown }) {
    super('unreachable', address, `cannot reach ${address} (${detail}); check the address, cabling and VLAN`, options);
    this.name = 'CameraUnreachableError';
  }
}

/** The camera accepted the connection but sent no complete reply in time. */
export class OnvifTimeoutError extends OnvifError {
  constructor(address: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('timeout', address, `${address} did not answer within ${timeoutMs} ms; the device is hung or too busy`, options);
    this.name = 'OnvifTimeoutError';
  }
}

/** Something answered, but not an ONVIF device service (a web UI, another HTTP server). */
export class NotOnvifError extends OnvifError {
  constructor(address: string, detail: string, options?: { cause?: unknown }) {
    super('not-onvif', address, `${address} is not an ONVIF device service (${detail}); enable ONVIF on the camera or check the port`, options);
    this.name = 'NotOnvifError';
  }
}

/** An ONVIF reply that is malformed, truncated or lacks a required element. */
export class OnvifReplyError extends OnvifError {
  constructor(address: string, detail: string, options?: { cause?: unknown }) {
    super('bad-reply', address, `${address} sent an unusable ONVIF reply (${detail})`, options);
    this.name = 'OnvifReplyError';
  }
}

/** The camera rejected the user name or password (WS-Security and HTTP digest both tried). */
export class OnvifAuthError extends OnvifError {
  constructor(address: string, user: string, options?: { cause?: unknown }) {
    super('auth', address, `${address} rejected user "${user}": wrong user name or password, or the user lacks ONVIF rights`, options);
    this.name = 'OnvifAuthError';
  }
}

/** The camera wants a user name and password and none was given. */
export class CredentialsRequiredError extends OnvifError {
  constructor(address: string, options?: { cause?: unknown }) {
    super('credentials-needed', address, `${address} needs credentials: give --user and one of --password-env, --password-file or --password`, options);
    this.name = 'CredentialsRequiredError';
  }
}

/** An address given by the user that is not a camera address. */
export class BadAddressError extends OnvifError {
  constructor(address: string, detail: string, options?: { cause?: unknown }) {
    super('bad-address', address, `"${address}" is not a camera address (${detail}); use host, host:port or http://host[:port]/onvif/device_service`, options);
    this.name = 'BadAddressError';
  }
}

/** The camera rejects our timestamps even after compensating its clock offset. */
export class OnvifClockError extends OnvifError {
  constructor(address: string, readonly offsetMs: number, options?: { cause?: unknown }) {
    super(
      'clock',
      address,
      `${address} rejects the request time even after compensating its clock offset of ${Math.round(offsetMs / 1000)} s; ` +
        'set the camera clock (NTP) and retry',
      options,
    );
    this.name = 'OnvifClockError';
  }
}

/** GetStreamUri failed for a profile although the camera answered other requests. */
export class StreamUriRefusedError extends OnvifError {
  constructor(address: string, readonly profileToken: string, detail: string, options?: { cause?: unknown }) {
    super('stream-uri', address, `${address} refused the stream URI of profile "${profileToken}" (${detail})`, options);
    this.name = 'StreamUriRefusedError';
  }
}

/** Any other SOAP fault, with the camera's own code and reason. */
export class OnvifFaultError extends OnvifError {
  constructor(address: string, readonly code: string, reason: string, options?: { cause?: unknown }) {
    super('fault', address, `${address} answered with a fault: ${code}${reason ? ` (${reason})` : ''}`, options);
    this.name = 'OnvifFaultError';
  }
}
