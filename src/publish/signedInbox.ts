import type { KeyObject } from 'node:crypto';
import { checkPayload, decodeBody } from '../verify/index.js';

// The gate for what the centre sends (requests and end-to-end acks): signed by the centre's key for
// this very topic, fresh (ts within the window) and never seen (nonce). Pure apart from the clock.

/** Most nonces remembered; beyond it new messages are refused until old ones leave the window. */
const MAX_NONCES = 20_000;

export class SignedInbox {
  /** nonce → time it leaves the window (epoch ms). */
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly centreKey: KeyObject | undefined,
    private readonly windowMs: number,
  ) {}

  /** The checked body, or the reason it is refused (a sentence fit for a response). Never throws. */
  open(topic: string, payload: Buffer, now = Date.now()): Record<string, unknown> | string {
    if (!this.centreKey) return 'this gateway has no centre key configured (mqtt.centre_key): every request is refused';
    const checked = checkPayload([this.centreKey], topic, payload);
    if (!checked.ok) return checked.reason === 'bad signature' ? 'bad signature (not signed by the centre key for this topic)' : `unsigned: ${checked.reason}`;
    const body = decodeBody(checked.body);
    if (!body) return 'signed body is not a JSON object';
    const ts = body['ts'];
    const nonce = body['nonce'];
    if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) return 'signed body has no integer ts (epoch ms)';
    if (typeof nonce !== 'string' || nonce.length < 8 || nonce.length > 64) return 'signed body has no nonce (8 to 64 characters)';
    if (Math.abs(now - ts) > this.windowMs) return `stale: ts is ${Math.round((now - ts) / 1000)} s from the gateway clock (window ${this.windowMs / 1000} s)`;
    this.forget(now);
    if (this.nonces.has(nonce)) return 'replayed: this nonce was already used';
    if (this.nonces.size >= MAX_NONCES) return 'too many signed messages within the window; try again later';
    this.nonces.set(nonce, ts + this.windowMs);
    const { ts: _ts, nonce: _nonce, ...rest } = body;
    return rest;
  }

  private forget(now: number): void {
    // Insertion order is nearly expiry order; stop at the first one still inside the window.
    for (const [nonce, until] of this.nonces) {
      if (until >= now) break;
      this.nonces.delete(nonce);
    }
  }
}
