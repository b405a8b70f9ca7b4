import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandHandler, type CommandContext } from '../../../src/publish/commands.js';
import { quietLog, tempDir } from '../../integration/uplink/support.js';

const dir = tempDir('cmd-');
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);
writeFileSync(join(dir, 'a1.jpg'), jpeg);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx: CommandContext = {
  health: async () => ({ cpu_pct: 3 }),
  outboxStatus: () => ({ depth: 2 }) as never,
  snapshotPath: (id) => (id === 'a1' ? join(dir, 'a1.jpg') : id === 'gone' ? join(dir, 'gone.jpg') : undefined),
  replay: (since) => (since.seq === 5 ? 3 : 0),
};
const handler = new CommandHandler(ctx, 256, quietLog());

async function ask(cmd: string, body: string | Buffer) {
  const replies = await handler.handle(cmd, Buffer.isBuffer(body) ? body : Buffer.from(body));
  return { first: JSON.parse(replies[0]!.payload.toString()) as Record<string, unknown>, replies };
}

describe('request/<command>', () => {
  it('answers ping, health, outbox_status and replay with the transaction', async () => {
    expect((await ask('ping', '{"transaction":"t1"}')).first).toMatchObject({ status: 'ok', transaction: 't1' });
    expect((await ask('ping', '')).first).toMatchObject({ status: 'ok', transaction: null });
    expect((await ask('health', '{"transaction":7}')).first).toMatchObject({ status: 'ok', data: { cpu_pct: 3 }, transaction: 7 });
    expect((await ask('outbox_status', '{}')).first).toMatchObject({ status: 'ok', data: { depth: 2 } });
    expect((await ask('replay', '{"since_seq":5}')).first).toMatchObject({ status: 'ok', data: { requeued: 3 } });
  });

  it('returns a snapshot in base64, or as binary on its own topic', async () => {
    const b64 = await ask('snapshot', '{"alert_id":"a1","transaction":"s"}');
    expect(Buffer.from((b64.first['data'] as { jpeg_base64: string }).jpeg_base64, 'base64')).toEqual(jpeg);
    const bin = await ask('snapshot', '{"alert_id":"a1","encoding":"binary","transaction":"s2"}');
    expect(bin.replies[1]).toEqual({ topic: 'response/snapshot/s2', payload: jpeg });
    expect((await ask('snapshot', '{"alert_id":"nope"}')).first).toMatchObject({ status: 'error' });
    expect((await ask('snapshot', '{"alert_id":"gone"}')).first).toMatchObject({ status: 'error' });
  });

  it('refuses malformed, unknown, invalid and oversized requests with an error response', async () => {
    const cases: [string, string | Buffer, RegExp][] = [
      ['ping', '{not json', /not valid JSON/],
      ['ping', '[1,2]', /invalid request/],
      ['ping', '{"extra":1}', /invalid request/],
      ['snapshot', '{}', /invalid request/],
      ['snapshot', '{"alert_id":5}', /invalid request/],
      ['replay', '{"since_seq":-1}', /invalid request/],
      ['reboot', '{}', /unknown command/],
      ['ping', Buffer.alloc(10_000, 0x7b), /too large/],
      ['ping', Buffer.from([0xff, 0xfe, 0x00]), /not valid JSON/],
    ];
    for (const [cmd, body, msg] of cases) {
      const { first } = await ask(cmd, body);
      expect(first['status']).toBe('error');
      expect(String(first['error'])).toMatch(msg);
    }
  });
});
