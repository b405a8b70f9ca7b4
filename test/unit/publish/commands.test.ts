import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandHandler, type CommandContext } from '../../../src/publish/commands.js';
import { SignedInbox } from '../../../src/publish/signedInbox.js';
import { newKeyPair, signPayload } from '../../../src/verify/keys.js';
import { CENTRE_KEYS } from '../../helpers/keys.js';
import { BASE, centreRequest, quietLog, tempDir } from '../../integration/uplink/support.js';

const dir = tempDir('cmd-');
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
writeFileSync(join(dir, 'a1.jpg'), jpeg);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const replays: number[] = [];
const ctx: CommandContext = {
  health: async () => ({ cpu_pct: 3 }),
  outboxStatus: () => ({ depth: 2 }) as never,
  snapshotPath: (id) => (id === 'a1' ? join(dir, 'a1.jpg') : id === 'gone' ? join(dir, 'gone.jpg') : undefined),
  replay: (since, max) => {
    replays.push(max);
    return since.seq === 5 ? 3 : max;
  },
};
const limits = { maxBytes: 512, replayMaxRows: 1000, replayMinIntervalMs: 0 };
const handler = new CommandHandler(ctx, limits, new SignedInbox(CENTRE_KEYS.publicKey, 300_000), quietLog());

/** Fields are signed by the centre key; a Buffer goes as it is. */
async function ask(cmd: string, body: Record<string, unknown> | Buffer, h = handler, retained = false) {
  const payload = Buffer.isBuffer(body) ? body : centreRequest(cmd, body);
  const replies = await h.handle(cmd, payload, `${BASE}/request/${cmd}`, retained);
  return { first: JSON.parse(replies[0]!.payload.toString()) as Record<string, unknown>, replies };
}

describe('request/<command>', () => {
  it('answers signed ping, health, outbox_status and replay with the transaction', async () => {
    expect((await ask('ping', { transaction: 't1' })).first).toMatchObject({ status: 'ok', transaction: 't1' });
    expect((await ask('ping', {})).first).toMatchObject({ status: 'ok', transaction: null });
    expect((await ask('health', { transaction: 7 })).first).toMatchObject({ status: 'ok', data: { cpu_pct: 3 }, transaction: 7 });
    expect((await ask('outbox_status', {})).first).toMatchObject({ status: 'ok', data: { depth: 2 } });
    expect((await ask('replay', { since_seq: 5 })).first).toMatchObject({ status: 'ok', data: { requeued: 3 } });
  });

  it('returns a snapshot in base64, or as binary on its own topic', async () => {
    const b64 = await ask('snapshot', { alert_id: 'a1', transaction: 's' });
    expect(Buffer.from((b64.first['data'] as { jpeg_base64: string }).jpeg_base64, 'base64')).toEqual(jpeg);
    const bin = await ask('snapshot', { alert_id: 'a1', encoding: 'binary', transaction: 's2' });
    expect(bin.replies[1]).toEqual({ topic: 'response/snapshot/s2', payload: jpeg });
    expect((await ask('snapshot', { alert_id: 'nope' })).first).toMatchObject({ status: 'error' });
    expect((await ask('snapshot', { alert_id: 'gone' })).first).toMatchObject({ status: 'error' });
  });

  it('refuses malformed, unknown, invalid and oversized requests with an error response', async () => {
    const cases: [string, Record<string, unknown> | Buffer, RegExp][] = [
      ['ping', Buffer.from('{not json'), /unsigned/],
      ['ping', { extra: 1 }, /invalid request/],
      ['snapshot', {}, /invalid request/],
      ['snapshot', { alert_id: 5 }, /invalid request/],
      ['replay', { since_seq: -1 }, /invalid request/],
      ['reboot', {}, /unknown command/],
      ['ping', Buffer.alloc(10_000, 0x7b), /too large/],
      ['ping', Buffer.from([0xff, 0xfe, 0x00]), /unsigned/],
    ];
    for (const [cmd, body, msg] of cases) {
      const { first } = await ask(cmd, body);
      expect(first['status']).toBe('error');
      expect(String(first['error'])).toMatch(msg);
    }
  });

  it('refuses unsigned, badly signed, stale, replayed and retained requests, and a snapshot to anyone else', async () => {
    const other = newKeyPair().privateKey;
    const fresh = centreRequest('ping', { transaction: 'once' });
    const cases: [string, Buffer, RegExp, boolean?][] = [
      ['snapshot', Buffer.from('{"alert_id":"a1"}'), /unsigned/],
      ['snapshot', signPayload(other, `${BASE}/request/snapshot`, Buffer.from(`{"alert_id":"a1","ts":${Date.now()},"nonce":"abcdefgh12"}`)), /bad signature/],
      ['ping', centreRequest('ping', {}, 'edge/hn/c1/gw-other'), /bad signature/],
      ['health', centreRequest('ping', {}), /bad signature/],
      ['ping', centreRequest('ping', {}, BASE, Date.now() - 301_000), /stale/],
      ['ping', centreRequest('ping', {}, BASE, Date.now() + 301_000), /stale/],
      ['ping', signPayload(CENTRE_KEYS.privateKey, `${BASE}/request/ping`, Buffer.from('{"transaction":1}')), /no integer ts/],
      ['ping', centreRequest('ping', { transaction: 'r' }), /retained/, true],
    ];
    expect((await ask('ping', fresh)).first['status']).toBe('ok');
    cases.push(['ping', fresh, /replayed/]);
    for (const [cmd, payload, msg, retained] of cases) {
      const { first } = await ask(cmd, payload, handler, retained);
      expect(first).toMatchObject({ status: 'error', transaction: null });
      expect(String(first['error'])).toMatch(msg);
    }
    const keyless = new CommandHandler(ctx, limits, new SignedInbox(undefined, 300_000), quietLog());
    expect(String((await ask('ping', {}, keyless)).first['error'])).toMatch(/no centre key/);
  });

  it('caps how many rows a replay re-queues and how often replays run', async () => {
    const slow = new CommandHandler(ctx, { ...limits, replayMaxRows: 50, replayMinIntervalMs: 60_000 }, new SignedInbox(CENTRE_KEYS.publicKey, 300_000), quietLog());
    replays.length = 0;
    expect((await ask('replay', { since_seq: 0 }, slow)).first).toMatchObject({ status: 'ok', data: { requeued: 50, capped: true } });
    expect(replays).toEqual([50]);
    expect((await ask('replay', { since_seq: 0 }, slow)).first).toMatchObject({ status: 'error', error: expect.stringMatching(/less than 60 s ago/) });
    expect(replays).toEqual([50]);
  });
});
