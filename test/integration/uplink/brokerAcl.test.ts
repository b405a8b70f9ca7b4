import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type IClientPublishOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Uplink } from '../../../src/publish/uplink.js';
import { makeCert, shareWithBroker, startTier, writeAcl } from '../../helpers/brokerTiers.js';
import type { Mosquitto } from '../../helpers/mosquitto.js';
import { centreAck, centreRequest, context, makeAlert, quietLog, tempDir, uplinkConfig, waitFor } from './support.js';

// The three broker tiers from config/mosquitto, with certificates from scripts/make-certs.
// Mosquitto drops a denied publish silently (and still PUBACKs it at QoS 1), and never says a read
// was filtered: every "never arrives" below is checked after a control message sent the same way
// afterwards did arrive, so a test cannot pass because nothing arrived at all.

interface Client {
  mqtt: MqttClient;
  /** `topic payload` of everything received, in order. */
  got: string[];
}

const QOS1: IClientPublishOptions = { qos: 1 };

describe('broker tiers: mutual TLS and an ACL that confines each identity to its own topics', () => {
  let dir: string;
  let ministry: Mosquitto;
  let city: Mosquitto;
  let commune: Mosquitto;
  const open: Client[] = [];
  const cert: Record<string, string> = {};

  beforeAll(async () => {
    dir = tempDir('tiers-');
    cert['server'] = makeCert(dir, 'server', 'local');
    cert['gwA'] = makeCert(dir, 'gateway', 'hn', 'c1', 'gw-a');
    cert['gwB'] = makeCert(dir, 'gateway', 'hn', 'c1', 'gw-b');
    // The same gateway id in another province: ids are unique only within a province.
    cert['gwDn'] = makeCert(dir, 'gateway', 'dn', 'c1', 'gw-a');
    cert['bridgeC1'] = makeCert(dir, 'bridge', 'hn', 'c1');
    cert['bridgeHn'] = makeCert(dir, 'bridge', 'hn');
    cert['centre'] = makeCert(dir, 'centre', 'ministry');
    shareWithBroker(dir, [cert['server'], cert['bridgeC1'], cert['bridgeHn']]);
    const aclFile = writeAcl(dir, 'centre.ministry');
    const tier = { certs: dir, server: 'server.local', aclFile, extra: ['log_type all'] };
    ministry = await startTier({ ...tier, tier: 'ministry' });
    city = await startTier({ ...tier, tier: 'city', bridge: { name: 'city-hn-to-ministry', upstreamPort: ministry.port, cert: 'bridge.hn' } });
    commune = await startTier({ ...tier, tier: 'commune', bridge: { name: 'commune-hn-c1-to-city', upstreamPort: city.port, cert: 'bridge.hn.c1' } });
    await waitFor(() => ministry.log().includes('Sending SUBACK to city-hn-to-ministry'), 'the city bridge subscribed at the ministry');
    await waitFor(() => city.log().includes('Sending SUBACK to commune-hn-c1-to-city'), 'the commune bridge subscribed at the city');
  });
  afterEach(async () => {
    // Each test's clients go, so that one test's watcher never sees the next test's traffic.
    await Promise.all(open.splice(0).map((c) => new Promise<void>((resolve) => c.mqtt.end(true, {}, () => resolve()))));
  });
  afterAll(async () => {
    for (const b of [commune, city, ministry]) await b?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A client of `broker` subscribed to `topics`, logging in with a certificate (`login` is its path
   * without .pem/.key), a user name and password, or nothing but the CA to check the broker.
   */
  async function client(broker: Mosquitto, login: string | { username: string; password: string } | undefined, topics: string[] = []): Promise<Client> {
    const keys = typeof login === 'string' ? { cert: readFileSync(`${login}.pem`), key: readFileSync(`${login}.key`) } : (login ?? {});
    const mqtt = connect(`mqtts://127.0.0.1:${broker.port}`, { ca: readFileSync(join(dir, 'ca.pem')), ...keys, reconnectPeriod: 0, connectTimeout: 10_000 });
    const c: Client = { mqtt, got: [] };
    open.push(c);
    mqtt.on('message', (topic, payload) => c.got.push(`${topic} ${payload.toString()}`));
    await new Promise<void>((resolve, reject) => {
      mqtt.once('connect', () => (topics.length ? mqtt.subscribe(topics, { qos: 1 }, (err) => (err ? reject(err) : resolve())) : resolve()));
      mqtt.once('error', reject);
      mqtt.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
    return c;
  }

  /** Sends `round` again until `done` (a message over a bridge may leave before the bridge is back). */
  async function untilDelivered(round: () => void, done: () => boolean, what: string): Promise<void> {
    const timer = setInterval(round, 1000);
    round();
    try {
      await waitFor(done, what);
    } finally {
      clearInterval(timer);
    }
  }

  it('refuses a client without a certificate, or with one from another authority', async () => {
    await expect(client(commune, undefined)).rejects.toThrow();
    const stranger = tempDir('stranger-');
    try {
      // A look-alike: the same CN, signed by a CA the brokers do not trust.
      const forged = makeCert(stranger, 'gateway', 'hn', 'c1', 'gw-a');
      await expect(client(commune, forged)).rejects.toThrow();
    } finally {
      rmSync(stranger, { recursive: true, force: true });
    }
    // The control: the genuine certificate gets in.
    const ok = await client(commune, cert['gwA']);
    expect(ok.mqtt.connected).toBe(true);
  });

  it('carries a gateway agent over TLS: alerts up through both bridges, the centre ack and a request down', async () => {
    const centre = await client(ministry, cert['centre'], ['edge/hn/c1/gw-a/#']);
    centre.mqtt.on('message', (topic, payload) => {
      if (!topic.includes('/alert/')) return;
      const q = (JSON.parse(payload.toString()) as { q: number }).q;
      centre.mqtt.publish('edge/hn/c1/gw-a/ack', centreAck({ seqs: [q] }, 'edge/hn/c1/gw-a'), QOS1);
    });
    const sub = join(dir, 'agent-a');
    const tls = { ca: join(dir, 'ca.pem'), cert: `${cert['gwA']}.pem`, key: `${cert['gwA']}.key` };
    const mqtt = { tls, e2eAck: { enabled: true, timeoutS: 5 } };
    const uplink = new Uplink(uplinkConfig(sub, [`mqtts://127.0.0.1:${commune.port}`], mqtt), context(sub, { id: 'gw-a', province: 'hn', commune: 'c1' }), quietLog());
    await uplink.start();
    try {
      const alerts = Array.from({ length: 10 }, (_, i) => makeAlert(`tier-a-${i}`, { gatewayId: 'gw-a' }));
      alerts.forEach((a) => uplink.emit(a));
      const ids = () => new Set(centre.got.filter((m) => m.includes('/alert/')).map((m) => (JSON.parse(m.slice(m.indexOf(' ') + 1)) as { i: string }).i));
      await waitFor(() => alerts.every((a) => ids().has(a.id)), 'alerts at the ministry');
      // Rows leave the outbox only on the centre's ack, which came down ministry → city → commune.
      await waitFor(() => uplink.depth() === 0, 'rows released by the centre ack');
      await untilDelivered(
        // Signed afresh for each try: the gateway refuses a nonce it has seen.
        () => centre.mqtt.publish('edge/hn/c1/gw-a/request/ping', centreRequest('ping', { transaction: 'tier-ping' }, 'edge/hn/c1/gw-a'), QOS1),
        () => centre.got.some((m) => m.startsWith('edge/hn/c1/gw-a/response/ping ') && m.includes('tier-ping')),
        'the answer to a request sent from the ministry',
      );
    } finally {
      await uplink.stop();
    }
  });

  it("drops a gateway's publishes under another gateway's topics, in its commune or another province", async () => {
    const watchHere = await client(commune, cert['centre'], ['edge/#']);
    const watchTop = await client(ministry, cert['centre'], ['edge/#']);
    const gwB = await client(commune, cert['gwB'], ['edge/hn/c1/gw-b/request/+', 'edge/hn/c1/gw-b/ack']);
    const centre = await client(commune, cert['centre']);
    const gwA = await client(commune, cert['gwA']);
    const forged = ['edge/hn/c1/gw-b/camera/cam-1/alert/wrong_way', 'edge/hn/c1/gw-b/state', 'edge/hn/c2/gw-a/alert/dropped', 'edge/dn/c1/gw-a/camera/cam-1/alert/wrong_way', 'edge/hn/c1/gw-b/response/ping', 'edge/hn/c1/gw-b/request/ping', 'edge/hn/c1/gw-b/ack'];
    const control = 'edge/hn/c1/gw-a/camera/cam-1/alert/wrong_way';
    let n = 0;
    await untilDelivered(
      () => {
        n++;
        for (const t of forged) gwA.mqtt.publish(t, `forged-${n}`, QOS1);
        gwA.mqtt.publish(control, `control-${n}`, QOS1);
      },
      () => [watchHere, watchTop].every((w) => w.got.some((m) => m.startsWith(`${control} control-`))),
      "the gateway's own alert at the commune and the ministry",
    );
    // gw-b itself: the requests and acks forged for it never reached it either. Its own control
    // leaves the broker after gw-a's round was handled (gw-a's control came back first).
    await untilDelivered(
      () => centre.mqtt.publish('edge/hn/c1/gw-b/request/ping', 'control-b', QOS1),
      () => gwB.got.some((m) => m.endsWith(' control-b')),
      "gw-b's own request",
    );
    for (const w of [watchHere, watchTop, gwB]) expect(w.got.filter((m) => m.includes('forged'))).toEqual([]);
    expect(commune.log()).toMatch(/Denied PUBLISH .*'edge\/hn\/c1\/gw-b\/state'/);
  });

  it("keeps other gateways' requests and acks from a gateway, whatever it subscribes to", async () => {
    const gwA = await client(commune, cert['gwA'], ['edge/#', 'edge/hn/c1/gw-b/request/+', 'edge/+/+/+/ack']);
    const gwB = await client(commune, cert['gwB'], ['edge/hn/c1/gw-b/request/+', 'edge/hn/c1/gw-b/ack']);
    const gwDn = await client(commune, cert['gwDn'], ['edge/#']);
    const centre = await client(commune, cert['centre']);
    const sends = ['edge/hn/c1/gw-b/request/ping', 'edge/hn/c1/gw-b/ack', 'edge/dn/c1/gw-a/ack', 'edge/hn/c1/gw-a/request/ping'];
    await untilDelivered(
      () => sends.forEach((t) => centre.mqtt.publish(t, '{}', QOS1)),
      () =>
        gwA.got.some((m) => m.startsWith('edge/hn/c1/gw-a/request/ping ')) &&
        gwB.got.some((m) => m.startsWith('edge/hn/c1/gw-b/ack ')) &&
        gwB.got.some((m) => m.startsWith('edge/hn/c1/gw-b/request/ping ')) &&
        gwDn.got.some((m) => m.startsWith('edge/dn/c1/gw-a/ack ')),
      'each gateway receiving its own request or ack',
    );
    expect(gwA.got.filter((m) => !m.startsWith('edge/hn/c1/gw-a/'))).toEqual([]);
    expect(gwDn.got.filter((m) => !m.startsWith('edge/dn/c1/gw-a/'))).toEqual([]);
  });

  it("confines a commune's bridge identity to its commune and the centre to requests and acks", async () => {
    const watch = await client(city, cert['centre'], ['edge/#']);
    const bridge = await client(city, cert['bridgeC1']);
    const centre = await client(city, cert['centre']);
    await untilDelivered(
      () => {
        bridge.mqtt.publish('edge/hn/c2/gw-x/camera/cam-1/alert/wrong_way', 'forged-by-bridge', QOS1);
        bridge.mqtt.publish('edge/hn/c1/gw-x/camera/cam-1/alert/wrong_way', 'bridge-control', QOS1);
        centre.mqtt.publish('edge/hn/c1/gw-x/camera/cam-1/alert/wrong_way', 'forged-by-centre', QOS1);
        centre.mqtt.publish('edge/hn/c1/gw-x/request/ping', 'centre-control', QOS1);
      },
      () => watch.got.some((m) => m.endsWith(' bridge-control')) && watch.got.some((m) => m.endsWith(' centre-control')),
      'the controls of the bridge and the centre',
    );
    expect(watch.got.filter((m) => m.includes('forged'))).toEqual([]);
  });

  it('applies the same ACL to password-file users named like the certificates', async () => {
    const passwd = join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', passwd, 'hn/c1/gw-a', 'pw-a']);
    execFileSync('mosquitto_passwd', ['-b', passwd, 'centre.ministry', 'pw-centre']);
    chmodSync(passwd, 0o644);
    // The commune template with the listener switched from certificates to the password file.
    const broker = await startTier({ tier: 'commune', certs: dir, server: 'server.local', aclFile: join(dir, 'acl'), extra: ['require_certificate false', 'use_identity_as_username false', `password_file ${passwd}`] });
    try {
      await expect(client(broker, { username: 'hn/c1/gw-a', password: 'wrong' })).rejects.toThrow();
      const watch = await client(broker, { username: 'centre.ministry', password: 'pw-centre' }, ['edge/#']);
      const gwA = await client(broker, { username: 'hn/c1/gw-a', password: 'pw-a' });
      await untilDelivered(
        () => {
          gwA.mqtt.publish('edge/hn/c1/gw-b/camera/cam-1/alert/wrong_way', 'forged', QOS1);
          gwA.mqtt.publish('edge/hn/c1/gw-a/camera/cam-1/alert/wrong_way', 'control', QOS1);
        },
        () => watch.got.some((m) => m.endsWith(' control')),
        'the gateway user publishing under its own topics',
      );
      expect(watch.got.filter((m) => m.includes('forged'))).toEqual([]);
    } finally {
      await broker.dispose();
    }
  });

  it('make-certs keeps what exists, writes keys 0600 and issues only the CN shapes the ACL expects', () => {
    const pem = readFileSync(`${cert['gwA']}.pem`, 'utf8');
    expect(makeCert(dir, 'gateway', 'hn', 'c1', 'gw-a')).toBe(cert['gwA']);
    expect(readFileSync(`${cert['gwA']}.pem`, 'utf8')).toBe(pem);
    expect(statSync(`${cert['gwA']}.key`).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    const subject = execFileSync('openssl', ['x509', '-in', `${cert['gwA']}.pem`, '-noout', '-subject'], { encoding: 'utf8' });
    expect(subject).toMatch(/CN ?= ?hn\/c1\/gw-a/);
    // A '/' or a wildcard smuggled into an id would widen the subtree the certificate is worth.
    for (const bad of [['hn/x', 'c1', 'gw'], ['hn', '+', 'gw'], ['hn', 'c1', '#'], ['HN', 'c1', 'gw']]) {
      expect(() => makeCert(dir, 'gateway', ...bad)).toThrow(/is not an id/);
    }
  });
});
