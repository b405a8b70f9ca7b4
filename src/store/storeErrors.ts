/**
 * A database that cannot be opened or written: the outbox (even after moving a corrupt file aside)
 * or the centre's store. Fatal at start. `what` names it in the one sentence printed.
 */
export class StoreError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown },
    readonly what: 'outbox' | 'store' = 'outbox',
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}
