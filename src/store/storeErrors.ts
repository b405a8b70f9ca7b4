/** The outbox database cannot be opened or written even after moving a corrupt file aside. Fatal at start. */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}
