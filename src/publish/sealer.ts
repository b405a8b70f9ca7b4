import { createHash, type KeyObject } from 'node:crypto';
import type { OutboxRow, RowSealer } from '../store/outboxTypes.js';
import { publicKeyText, signPayload } from '../verify/keys.js';
import { encodeRow, type PayloadFormat } from './payload.js';

/** Everything a row's wire payload depends on besides the row itself. */
export interface SealOptions {
  /** Base topic, without a trailing slash; the signature covers the full topic. */
  base: string;
  format: PayloadFormat;
  gateway: string;
  key: KeyObject;
}

/** Encodes and signs outbox rows: at commit time for the historical payload, at publish time otherwise. */
export interface PayloadSealer extends RowSealer {
  /** The signed payload of `row` as sent now. */
  payload(row: OutboxRow, historical: boolean): Buffer;
}

export function payloadSealer(o: SealOptions): PayloadSealer {
  // Anything that changes the bytes changes the id, so a row sealed under an old key, topic prefix
  // or format is signed afresh when it goes out instead of failing verification at the centre.
  const id = createHash('sha256').update(JSON.stringify([o.base, o.format, o.gateway, publicKeyText(o.key)])).digest('base64url').slice(0, 16);
  const payload = (row: OutboxRow, historical: boolean) => signPayload(o.key, `${o.base}/${row.topic}`, encodeRow(row, historical, o.format, o.gateway));
  return { id, payload, seal: (row) => payload(row, true) };
}
