import { pino } from 'pino';
import type { MqttConfig } from '../../config/uplinkSchema.js';
import { redactUri } from '../../errors.js';
import { MqttLink } from '../../publish/mqttLink.js';
import { baseTopic } from '../../publish/topics.js';
import { UplinkError } from '../../publish/uplinkError.js';
import { row, type Check, type CheckRow } from './check.js';

// Each broker URL: a real MQTT connection with the configured TLS files and credentials through the
// agent's own link (so the doctor sees what the agent will see), then a clean disconnect. The client
// id is the agent's with "-doctor" appended: reusing the agent's own would throw a running agent off
// the broker. Only redacted URLs and the client library's error text reach a row, never a password.

export interface BrokerTarget {
  mqtt: MqttConfig;
  gateway: { id: string; province: string; commune: string };
}

export function brokerCheck(t: BrokerTarget, timeoutMs = 6000): Check {
  return {
    name: 'broker',
    // Slightly longer than one attempt, so a slow broker gets its own "no answer" row first.
    timeoutMs: timeoutMs + 1500,
    run: (signal) => Promise.all(t.mqtt.urls.map((url) => probeBroker(url, t, timeoutMs, signal))),
  };
}

function probeBroker(url: string, t: BrokerTarget, timeoutMs: number, signal: AbortSignal): Promise<CheckRow> {
  const name = `broker ${redactUri(url)}`;
  const errors: string[] = [];
  // The link reports failed attempts only through its logger; this one keeps the error texts.
  const log = pino({ level: 'warn' }, { write: (line: string) => errors.push(errorText(line)) });
  const m = t.mqtt;
  const link = new MqttLink(
    {
      urls: [url],
      clientId: `${m.clientId ?? `edge-${t.gateway.id}`}-doctor`.slice(0, 64),
      ...(m.username !== undefined ? { username: m.username } : {}),
      ...(m.password !== undefined ? { password: m.password } : {}),
      tls: m.tls,
      keepaliveS: 30,
      connectTimeoutS: Math.max(1, Math.floor(timeoutMs / 1000)),
      // One attempt only: the next would come long after the doctor has finished.
      reconnectMinMs: 3_600_000,
      reconnectMaxMs: 3_600_000,
      will: { topic: `${baseTopic({ prefix: m.topicPrefix, province: t.gateway.province, commune: t.gateway.commune, gateway: t.gateway.id })}/doctor`, payload: '' },
    },
    { onConnect: () => done(connectedRow(name, url, m)), onDisconnect: () => undefined, onMessage: () => undefined },
    log,
    [],
  );
  let finish: (r: CheckRow) => void = () => undefined;
  const result = new Promise<CheckRow>((resolve) => (finish = resolve));
  let settled = false;
  const timer = setTimeout(() => done(failRow(name, errors[0] ?? `no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  const poll = setInterval(() => errors.length > 0 && done(failRow(name, errors[0]!)), 50);
  const onAbort = () => done(failRow(name, 'stopped: the doctor ran out of time'));
  signal.addEventListener('abort', onAbort);
  function done(r: CheckRow): void {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    clearInterval(poll);
    signal.removeEventListener('abort', onAbort);
    link.stop().then(
      () => finish(r),
      () => finish(r), // a link that fails to close changes nothing about what was found
    );
  }
  try {
    link.start();
  } catch (err) {
    if (!(err instanceof UplinkError)) throw err;
    done(row(name, 'fail', err.message, 'check the files named in mqtt.tls exist and this user may read them'));
  }
  return result;
}

function connectedRow(name: string, url: string, m: MqttConfig): CheckRow {
  const tls = /^(mqtts|ssl|wss):/i.test(url);
  const login = m.username !== undefined ? `login as ${m.username} accepted` : 'anonymous connection accepted';
  const detail = `${tls ? 'TLS handshake and ' : ''}${login}`;
  const loopback = /^[a-z]+:\/\/(?:[^@/]*@)?(127\.|\[?::1\]?|localhost)/i.test(url);
  if (!tls && m.password !== undefined && !loopback) {
    return row(name, 'warn', `${detail}, but without TLS the password crosses the network in clear`, 'use an mqtts:// URL and mqtt.tls.ca');
  }
  return row(name, 'pass', detail);
}

function failRow(name: string, error: string): CheckRow {
  let remedy = 'check the address and port, the firewall, and that the broker runs';
  if (/not authori[sz]ed|bad user ?name or password|Connection refused: (Bad|Not)/i.test(error)) remedy = 'check mqtt.username and the password in the secrets file';
  else if (/certificate|self.signed|SSL|TLS|handshake/i.test(error)) remedy = 'check mqtt.tls.ca (the CA that signed the broker certificate) and the broker host name';
  else if (/ENOTFOUND|EAI_AGAIN/.test(error)) remedy = 'check the host name and DNS';
  return row(name, 'fail', error, remedy);
}

/** The error text of one of the link's warn lines ({"err": "...", "msg": "mqtt error"}). */
function errorText(line: string): string {
  try {
    const o = JSON.parse(line) as { err?: unknown; msg?: string };
    return typeof o.err === 'string' ? o.err : (o.msg ?? 'connection failed');
  } catch {
    return 'connection failed';
  }
}
