import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandHandler } from '../../../src/publish/commands.js';
import { parseAck } from '../../../src/publish/uplinkMessages.js';
import { SignedInbox } from '../../../src/publish/signedInbox.js';
import { Uplink } from '../../../src/publish/uplink.js';
import { signCommand } from '../../../src/verify/keys.js';
import { CENTRE_KEYS } from '../../helpers/keys.js';
import { assertNoRawJsError, fuzzInputs, fuzzSeed, Rng } from '../../helpers/fuzz.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { BASE, centreRequest, Collector, context, makeAlert, tempDir, uplinkConfig, waitFor } from './support.js';

// MQTT input is hostile input: whatever arrives on request/<command> or ack, the uplink answers or
// drops it, counts it, and goes on. Inputs are counted, never timed.

const COMMAND_SEEDS = [
  '{"transaction":"t1"}',
  '{}',
  '',
  '{"alert_id":"with-snap","transaction":"s1"}',
  '{"alert_id":"with-snap","encoding":"binary","transaction":"s2"}',
  '{"since_seq":0,"transaction":9}',
  '{"since_ts":1760000000000}',
];
const ACK_SEEDS = ['{"seqs":[1,2,3]}', '{"up_to":5}', '{"seqs":[4],"up_to":2}'];
const COMMANDS = [...CommandHandler.commands, 'reboot', ''];
const IN_PROCESS = Number(process.env.FUZZ_COUNT ?? 12_000);
const THROUGH_BROKER = 300;

/**
 * Half the mutated payloads that are still JSON objects get the centre's signature, so that fuzzing
 * reaches the schema checks behind the signature gate; the rest arrive as they are.
 */
function maybeSigned(rng: Rng, topic: string, payload: Buffer): Buffer {
  if (!rng.chance(0.5)) return payload;
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    return payload;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return payload;
  try {
    return signCommand(CENTRE_KEYS.privateKey, topic, v as Record<string, unknown>);
  } catch {
    return payload; // nested deeper than JSON.stringify can go
  }
}

interface Watch {
  uncaught: unknown[];
  dispose(): void;
}

function watchProcess(): Watch {
  const uncaught: unknown[] = [];
  const onErr = (e: unknown) => void uncaught.push(e);
  process.on('uncaughtException', onErr);
  process.on('unhandledRejection', onErr);
  return {
    uncaught,
    dispose: () => {
      process.off('uncaughtException', onErr);
      process.off('unhandledRejection', onErr);
    },
  };
}

describe('fuzzing the uplink with MQTT commands and acks', () => {
  let broker: Mosquitto;
  let dir: string;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir('fuzz-uplink-');
    writeFileSync(join(dir, 'snap.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${IN_PROCESS} mutated requests per command handler call with a response, never a raw error`, async () => {
    const rng = new Rng(fuzzSeed('mqtt-commands'));
    const lines: string[] = [];
    const handler = new CommandHandler(
      {
        health: async () => ({ ok: 1 }),
        outboxStatus: () => ({ depth: 0 }) as never,
        snapshotPath: (id) => (id === 'with-snap' ? join(dir, 'snap.jpg') : undefined),
        replay: () => 0,
      },
      { maxBytes: 4096, replayMaxRows: 100, replayMinIntervalMs: 0 },
      new SignedInbox(CENTRE_KEYS.publicKey, 300_000),
      pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) }),
    );
    let n = 0;
    for (const payload of fuzzInputs(rng, COMMAND_SEEDS, IN_PROCESS)) {
      const command = rng.chance(0.9) ? rng.pick(COMMANDS) : rng.word(20);
      const topic = `${BASE}/request/${command}`;
      const replies = await handler.handle(command, maybeSigned(rng, topic, payload), topic);
      expect(replies.length).toBeGreaterThanOrEqual(1);
      const body = JSON.parse(replies[0]!.payload.toString()) as { status: string; error?: string };
      expect(['ok', 'error']).toContain(body.status);
      if (body.error) assertNoRawJsError(body.error, `command ${command}`);
      n++;
    }
    expect(n).toBe(IN_PROCESS);
    const c = handler.counters;
    expect(c.answered + c.refused + c.failed).toBe(IN_PROCESS);
    console.log(`fuzz mqtt-commands: ${IN_PROCESS} requests: ${c.answered} answered, ${c.refused} refused, ${c.failed} failed`);
    for (const l of lines) assertNoRawJsError(l, 'log line');
  });

  it(`parses ${IN_PROCESS} mutated acks without throwing`, () => {
    const rng = new Rng(fuzzSeed('mqtt-acks'));
    let accepted = 0;
    for (const payload of fuzzInputs(rng, ACK_SEEDS, IN_PROCESS)) {
      let body: unknown;
      try {
        body = JSON.parse(payload.toString('utf8'));
      } catch {
        continue;
      }
      const ack = body && typeof body === 'object' && !Array.isArray(body) ? parseAck(body as Record<string, unknown>) : undefined;
      if (ack) {
        accepted++;
        for (const s of ack.seqs ?? []) expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
      }
    }
    console.log(`fuzz mqtt-acks: ${IN_PROCESS} acks parsed, ${accepted} well-formed`);
  });

  it(`survives ${IN_PROCESS} hostile messages into its MQTT handler and ${THROUGH_BROKER} through Mosquitto, and still delivers`, async () => {
    const rng = new Rng(fuzzSeed('uplink'));
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
    const cfg = uplinkConfig(dir, [broker.url], { maxCommandBytes: 4096, e2eAck: { enabled: true, timeoutS: 5 } });
    const uplink = new Uplink(cfg, context(dir), log);
    const watch = watchProcess();
    try {
      await uplink.start();
      const centre = await Collector.open(broker.url, [`${BASE}/response/#`, `${BASE}/camera/+/alert/#`]);
      await waitFor(() => uplink.connected, 'connection');
      uplink.emit(makeAlert('with-snap', { snapshot: join(dir, 'snap.jpg') }));
      const onMessage = (uplink as unknown as { onMessage(t: string, p: Buffer, r: boolean): void }).onMessage.bind(uplink);
      const topicOf = () => {
        const r = rng.next();
        if (r < 0.3) return `${BASE}/ack`;
        if (r < 0.95) return `${BASE}/request/${rng.pick(COMMANDS)}`;
        return `${BASE}/request/${rng.word(30)}`;
      };
      let sent = 0;
      for (const payload of fuzzInputs(rng, [...COMMAND_SEEDS, ...ACK_SEEDS], IN_PROCESS)) {
        const topic = topicOf();
        onMessage(topic, maybeSigned(rng, topic, payload), rng.chance(0.05));
        sent++;
        // Let the replies go out now and then, so the broker's queue stays small.
        if (sent % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      // Through the broker only topics a client may publish on: Mosquitto disconnects a client that
      // publishes wildcards or control characters, and mqtt.js would resend that message forever.
      for (const payload of fuzzInputs(rng, [...COMMAND_SEEDS, ...ACK_SEEDS], THROUGH_BROKER)) {
        const topic = topicOf().replace(/[+#\u0000-\u001f\u007f-\u009f]/g, '_');
        await centre.client.publishAsync(topic, maybeSigned(rng, topic, payload), { qos: 1 });
      }
      // A good request after all of it is still answered, and a new alert still goes out.
      await centre.client.publishAsync(`${BASE}/request/ping`, centreRequest('ping', { transaction: 'after-fuzz' }), { qos: 1 });
      uplink.emit(makeAlert('after-fuzz'));
      await waitFor(
        () => centre.messages.some((m) => m.payload.toString().includes('"after-fuzz"')) && centre.alertIds().has('after-fuzz'),
        'the answer to a ping and the alert sent after the fuzzing',
        60_000,
      ).catch((err: Error) => {
        throw new Error(`${err.message}: connected ${uplink.connected}, depth ${uplink.depth()}, received ${centre.messages.length}, pinged ${centre.messages.some((m) => m.payload.toString().includes('"after-fuzz"'))}, alerts ${[...centre.alertIds()].join(',')}, dropped ${JSON.stringify(uplink.rejectedMessages)}; log ${lines.slice(-5).join('')}; broker ${broker.log().slice(-1000)}`);
      });
      expect(uplink.connected).toBe(true);
      // No answer made the broker drop the gateway (a control character echoed into a topic did).
      expect(lines.filter((l) => l.includes('mqtt connection lost'))).toEqual([]);
      expect(watch.uncaught).toEqual([]);
      for (const m of centre.messages.filter((x) => x.topic.includes('/response/') && x.payload[0] === 0x7b)) {
        const body = JSON.parse(m.payload.toString()) as { error?: string };
        if (body.error) assertNoRawJsError(body.error, m.topic);
      }
      for (const l of lines) assertNoRawJsError(l, 'log line');
      console.log(`fuzz uplink: ${sent} in process + ${THROUGH_BROKER} through Mosquitto; dropped by kind ${JSON.stringify(uplink.rejectedMessages)}; ${centre.messages.length} messages received by the centre`);
      await centre.close();
    } finally {
      watch.dispose();
      await uplink.stop();
    }
  });
});
