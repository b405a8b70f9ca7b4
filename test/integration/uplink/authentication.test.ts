import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { decodePayload } from '../../../src/publish/payload.js';
import { newKeyPair, signAck, signRequest } from '../../../src/verify/keys.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { BASE, centreAck, centreRequest, Collector, context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

// What a rogue client on a broker could do before the centre's signature was required, each one
// reproduced over a real Mosquitto and now refused, counted, and (for requests) answered with why.

/** Largest lateness of a 2 ms timer while `during` runs: how long the event loop was blocked. */
async function timerLag(during: () => Promise<void>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const t = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 2);
    last = now;
  }, 2);
  try {
    await during();
  } finally {
    clearInterval(t);
  }
  return worst;
}

describe('who may command a gateway and release its rows', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir('auth-');
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses forged, unsigned, stale, replayed and retained acks, and acks beyond what was sent', async () => {
    const rogue = await Collector.open(broker.url, [`${BASE}/camera/+/alert/#`]);
    // A retained ack waits on the broker before the gateway even connects.
    await rogue.client.publishAsync(`${BASE}/ack`, centreAck({ up_to: 1_000_000 }), { qos: 1, retain: true });
    const sub = join(dir, 'acks');
    const uplink = new Uplink(uplinkConfig(sub, [broker.url], { e2eAck: { enabled: true, timeoutS: 600 }, drainRatePerS: 2 }), context(sub), quietLog());
    await uplink.start();
    await waitFor(() => uplink.rejectedMessages['ack'] === 1, 'the retained ack refused');
    const alerts = Array.from({ length: 6 }, (_, i) => makeAlert(`ack-${i}`));
    alerts.forEach((a) => uplink.emit(a));
    await waitFor(() => rogue.alerts().length >= 1, 'the first alert sent');
    const other = newKeyPair().privateKey;
    const stale = centreAck({ up_to: Number.MAX_SAFE_INTEGER }, BASE, Date.now() - 10 * 60_000);
    const attacks = [
      Buffer.from(JSON.stringify({ up_to: Number.MAX_SAFE_INTEGER })),
      Buffer.from(JSON.stringify({ seqs: [1, 2, 3, 4, 5, 6] })),
      signAck(other, BASE, { up_to: Number.MAX_SAFE_INTEGER }),
      centreAck({ up_to: Number.MAX_SAFE_INTEGER }, 'edge/hn/c1/gw-other'),
      stale,
    ];
    for (const a of attacks) await rogue.client.publishAsync(`${BASE}/ack`, a, { qos: 1 });
    await waitFor(() => uplink.rejectedMessages['ack'] === 1 + attacks.length, 'every forged ack refused');
    expect(uplink.status().classes.alert.delivered).toBe(0);
    // A genuine ack naming every row, sent while most are still waiting: only sent rows are released.
    const genuine = centreAck({ seqs: [1, 2, 3, 4, 5, 6] });
    await rogue.client.publishAsync(`${BASE}/ack`, genuine, { qos: 1 });
    await waitFor(() => (uplink.rejectedMessages['ackBeyondSent'] ?? 0) === 1, 'the ack beyond the sent rows noticed');
    const released = uplink.status().classes.alert.delivered;
    expect(released).toBeGreaterThanOrEqual(1);
    expect(released).toBeLessThan(6);
    // The same ack again is a replay.
    await rogue.client.publishAsync(`${BASE}/ack`, genuine, { qos: 1 });
    await waitFor(() => uplink.rejectedMessages['ack'] === 2 + attacks.length, 'the replayed ack refused');
    // Every alert still goes out: nothing was marked delivered unsent.
    await waitFor(() => alerts.every((a) => rogue.alertIds().has(a.id)), 'every alert sent');
    await rogue.client.publishAsync(`${BASE}/ack`, '', { qos: 1, retain: true });
    await uplink.stop();
    await rogue.close();
  });

  it('refuses unsigned, foreign, stale, replayed and retained requests, snapshots to strangers, and floods of replays', async () => {
    const asker = await Collector.open(broker.url, [`${BASE}/response/#`]);
    await asker.client.publishAsync(`${BASE}/request/replay`, centreRequest('replay', { since_seq: 0, transaction: 'retained' }), { qos: 1, retain: true });
    const sub = join(dir, 'requests');
    const uplink = new Uplink(uplinkConfig(sub, [broker.url], { replayMaxRows: 3, replayMinIntervalS: 3600 }), context(sub), quietLog());
    await uplink.start();
    await waitFor(() => uplink.connected, 'connection');
    for (let i = 0; i < 8; i++) uplink.emit(makeAlert(`req-${i}`));
    await waitFor(() => uplink.depth() === 0, 'alerts delivered');
    const ask = (cmd: string, body: Buffer) => asker.client.publishAsync(`${BASE}/request/${cmd}`, body, { qos: 1 });
    const replay = centreRequest('replay', { since_seq: 0, transaction: 'r1' });
    await ask('snapshot', Buffer.from('{"alert_id":"req-1","transaction":"x"}'));
    await ask('health', signRequest(newKeyPair().privateKey, BASE, 'health', { transaction: 'x' }));
    await ask('ping', centreRequest('ping', { transaction: 'x' }, BASE, Date.now() - 3_600_000));
    await ask('replay', Buffer.from(`{"since_seq":0}${' '.repeat(40)}`));
    await ask('replay', replay);
    await ask('replay', replay);
    await ask('replay', centreRequest('replay', { since_seq: 0, transaction: 'r2' }));
    const responses = () => asker.messages.filter((m) => !m.retain && /response\/[a-z_]+$/.test(m.topic)).map((m) => decodePayload(m.payload, 'json'));
    await waitFor(() => responses().length >= 8, 'eight responses');
    const errors = responses().filter((r) => r['status'] === 'error').map((r) => String(r['error']));
    expect(errors).toEqual(expect.arrayContaining([
      expect.stringMatching(/retained requests are ignored/),
      expect.stringMatching(/unsigned/),
      expect.stringMatching(/bad signature/),
      expect.stringMatching(/stale/),
      expect.stringMatching(/replayed/),
      expect.stringMatching(/a replay ran less than 3600 s ago/),
    ]));
    expect(responses().filter((r) => r['status'] === 'ok')).toEqual([expect.objectContaining({ transaction: 'r1', data: { requeued: 3, capped: true, next: expect.any(String) } })]);
    await asker.client.publishAsync(`${BASE}/request/replay`, '', { qos: 1, retain: true });
    await uplink.stop();
    await asker.close();
  });

  it('refuses a 1 MB ack before parsing it (timer lag printed, not judged)', async () => {
    const sub = join(dir, 'big');
    const uplink = new Uplink(uplinkConfig(sub, [broker.url], { e2eAck: { enabled: true, timeoutS: 600 } }), context(sub), quietLog());
    await uplink.start();
    await waitFor(() => uplink.connected, 'connection');
    const rogue = await Collector.open(broker.url, [`${BASE}/nothing`]);
    const seqs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    const lags: Record<string, number> = {};
    const cases: [string, Buffer][] = [
      ['1 MB of JSON seqs', Buffer.from(JSON.stringify({ seqs: seqs(170_000) }))],
      ['250 kB unsigned seqs (accepted before)', Buffer.from(JSON.stringify({ seqs: seqs(38_000) }))],
      ['largest signed ack accepted (2 000 seqs)', centreAck({ seqs: seqs(2_000) })],
    ];
    let expected = 0;
    for (const [name, payload] of cases) {
      expected++;
      const refusedBefore = (uplink.rejectedMessages['ack'] ?? 0) + (uplink.rejectedMessages['ackBeyondSent'] ?? 0);
      lags[`${name}, ${payload.length} bytes`] = await timerLag(async () => {
        await rogue.client.publishAsync(`${BASE}/ack`, payload, { qos: 1 });
        await waitFor(() => (uplink.rejectedMessages['ack'] ?? 0) + (uplink.rejectedMessages['ackBeyondSent'] ?? 0) > refusedBefore, `${name} handled`);
      });
    }
    // For comparison, the old path for the 250 kB ack: parse it and apply every seq it names.
    const outbox = (uplink as unknown as { outbox: { ack(a: { seqs: number[] }): number } }).outbox;
    lags['old path: parse and apply the 250 kB ack in process'] = await timerLag(async () => {
      await new Promise((r) => setTimeout(r, 10));
      outbox.ack(JSON.parse(cases[1]![1].toString()) as { seqs: number[] });
      await new Promise((r) => setTimeout(r, 10));
    });
    expect(uplink.rejectedMessages['ack']).toBe(2);
    expect(uplink.rejectedMessages['ackBeyondSent']).toBe(1);
    expect(uplink.connected).toBe(true);
    console.log(`ack timer lag (worst, ms): ${JSON.stringify(Object.fromEntries(Object.entries(lags).map(([k, v]) => [k, Math.round(v * 10) / 10])))}`);
    await uplink.stop();
    await rogue.close();
  });
});
