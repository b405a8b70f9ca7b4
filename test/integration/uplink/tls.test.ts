import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { Uplink } from '../../../src/publish/uplink.js';
import { makeCerts, type TestCerts } from '../../helpers/certs.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

describe('mutual TLS', () => {
  let broker: Mosquitto;
  let dir: string;
  let certs: TestCerts;
  beforeAll(async () => {
    dir = tempDir('tls-');
    certs = makeCerts(dir);
    broker = await startMosquitto({
    extra: [`cafile ${certs.ca}`, `certfile ${certs.serverCert}`, `keyfile ${certs.serverKey}`, 'require_certificate true', 'use_identity_as_username true', 'log_type all'],
    });
  });
  afterAll(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const url = () => `mqtts://127.0.0.1:${broker.port}`;

  it('accepts the agent with its client certificate and delivers alerts', async () => {
    const tls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
    const uplink = new Uplink(uplinkConfig(`${dir}/ok`, [url()], { tls, username: 'gw-tls', password: 'not-in-any-log' }), context(`${dir}/ok`), quietLog());
    await uplink.start();
    uplink.emit(makeAlert('tls-1'));
    await waitFor(() => uplink.connected && uplink.depth() === 0, 'alert delivered over TLS');
    await uplink.stop();
  });

  it('is refused without a client certificate, keeps the alert, and never logs the password', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const before = broker.log().length;
    // With a user name: mqtt.js refuses a password without one by itself, before the broker could.
    const uplink = new Uplink(uplinkConfig(`${dir}/no`, [url()], { tls: { ca: certs.ca }, username: 'gw-tls', password: 's3cret-pw' }), context(`${dir}/no`), log);
    await uplink.start();
    uplink.emit(makeAlert('tls-2'));
    await waitFor(() => /peer did not return a certificate|certificate required|OpenSSL Error/i.test(broker.log().slice(before)), 'broker refusing the handshake');
    await waitFor(() => lines.some((l) => l.includes('mqtt error')), 'the agent noticing');
    expect(uplink.connected).toBe(false);
    expect(uplink.depth()).toBe(1);
    await uplink.stop();
    expect(lines.join('')).not.toContain('s3cret-pw');
  });
});
