// Cost of signing what the gateway publishes and of verifying it at the centre, per alert, and what
// the signature adds to a payload. Encoding alone (A) and encoding plus signing (B) run in
// alternating rounds A B A B, so a noisy neighbour hits both alike; the sign cost is B - A.
import { alertRecord, encodeRow, type PayloadFormat } from '../src/publish/payload.js';
import type { OutboxRow } from '../src/store/outboxTypes.js';
import { checkPayload, newKeyPair, signPayload } from '../src/verify/index.js';
import { benchAlert } from './benchOutbox.js';

export interface SigningFigures {
  alerts_per_round: number;
  rounds: number;
  /** Microseconds per alert, median over rounds. */
  encode_us: Record<PayloadFormat, number>;
  sign_us: Record<PayloadFormat, number>;
  verify_us: Record<PayloadFormat, number>;
  /** Encoded + signed over encoded alone, median over rounds. */
  sign_ratio: Record<PayloadFormat, number>;
  /** A typical full alert (box, track, line, model, one figure), bytes. */
  bytes_before: Record<PayloadFormat, number>;
  bytes_after: Record<PayloadFormat, number>;
}

const GATEWAY = 'gw-hn-c1-042';
const BASE = `edge/hn/c1/${GATEWAY}`;

function rows(n: number): OutboxRow[] {
  return Array.from({ length: n }, (_, i) => {
    const a = benchAlert({ id: `${GATEWAY}-cam-1-${String(i).padStart(6, '0')}`, gatewayId: GATEWAY, score: 0.8712, box: { x1: 0.1234, y1: 0.2345, x2: 0.3456, y2: 0.4567 }, ts: 1_760_000_000_000 + i, data: { speedKmh: 62.5 } });
    return { ...alertRecord(a), seq: 1_000_000 + i, boot: 7, createdTs: 0, replay: false };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function benchSigning(perRound = 2000, rounds = 8): SigningFigures {
  const { privateKey, publicKey } = newKeyPair();
  const data = rows(perRound);
  const topicOf = (r: OutboxRow) => `${BASE}/${r.topic}`;
  const out = { encode_us: {}, sign_us: {}, verify_us: {}, sign_ratio: {}, bytes_before: {}, bytes_after: {} } as Omit<SigningFigures, 'alerts_per_round' | 'rounds'>;
  for (const format of ['json', 'cbor'] as const) {
    const a: number[] = [];
    const b: number[] = [];
    const v: number[] = [];
    let sink = 0;
    let signed: Buffer[] = [];
    for (let round = 0; round < rounds + 1; round++) {
      let t = performance.now();
      for (const r of data) sink += encodeRow(r, false, format, GATEWAY).length;
      const encodeMs = performance.now() - t;
      t = performance.now();
      signed = data.map((r) => signPayload(privateKey, topicOf(r), encodeRow(r, false, format, GATEWAY)));
      const signMs = performance.now() - t;
      t = performance.now();
      for (let i = 0; i < data.length; i++) sink += checkPayload([publicKey], topicOf(data[i]!), signed[i]!).ok ? 1 : 0;
      const verifyMs = performance.now() - t;
      if (round === 0) continue; // warm-up
      a.push(encodeMs);
      b.push(signMs);
      v.push(verifyMs);
    }
    if (sink === 0) throw new Error('nothing encoded');
    const us = (ms: number) => Math.round(((ms * 1000) / perRound) * 10) / 10;
    out.encode_us[format] = us(median(a));
    out.sign_us[format] = us(median(b.map((x, i) => x - a[i]!)));
    out.verify_us[format] = us(median(v));
    out.sign_ratio[format] = Math.round(median(b.map((x, i) => x / a[i]!)) * 100) / 100;
    out.bytes_before[format] = encodeRow(data[0]!, true, format, GATEWAY).length;
    out.bytes_after[format] = signPayload(privateKey, topicOf(data[0]!), encodeRow(data[0]!, true, format, GATEWAY)).length;
  }
  return { alerts_per_round: perRound, rounds, ...out };
}
