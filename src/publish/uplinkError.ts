/** The uplink cannot start (unreadable TLS file, unusable settings). Fatal at start. */
export class UplinkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UplinkError';
  }
}
