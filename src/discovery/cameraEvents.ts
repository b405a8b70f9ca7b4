import { checkDeviceUrl, shownText } from './deviceUrl.js';
import { readCameraEvents, type CameraEvent } from './eventMessages.js';
import { OnvifError, OnvifReplyError } from './onvifErrors.js';
import { readClockOffset, readServiceAddresses } from './probe.js';
import { SoapClient, type SoapCredentials } from './soapClient.js';
import { escapeXml } from './wsSecurity.js';
import { text } from './xml.js';

// The camera's own events through a WS-BaseNotification pull point: CreatePullPointSubscription,
// then PullMessages in a loop (each waits on the camera up to pullTimeoutS), Renew before the
// subscription terminates. When the camera reboots the subscription is gone: the whole sequence
// starts again with capped exponential backoff and jitter, like the stream watchdog.

export type { CameraEvent, CameraEventKind } from './eventMessages.js';

export interface CameraEventsOptions {
  cameraId: string;
  /** Device service URL, e.g. http://10.0.0.5/onvif/device_service. */
  deviceUrl: string;
  credentials?: SoapCredentials;
  /** How long each PullMessages may wait on the camera, s. Default 10. */
  pullTimeoutS?: number;
  /** Subscription lifetime asked for; renewed at half of it, s. Default 60. */
  terminationS?: number;
  /** Backoff between restarts, ms: initial and cap. Defaults 1000 and 60000. */
  backoffMs?: { initial: number; max: number };
  /** Every tamper or motion change. Must not throw; called on the subscription's loop. */
  onEvent: (event: CameraEvent) => void;
  /** Subscription state for health: 'subscribed' after each (re)subscribe, 'retrying' with the error. */
  onState?: (state: 'subscribed' | 'retrying', error?: Error) => void;
}

/** One camera's event subscription. start() returns once the loop runs; stop() is idempotent. */
export class CameraEventSubscription {
  private running = false;
  private abort = new AbortController();
  private loop: Promise<void> | undefined;
  private subscription: { client: SoapClient; address: string } | undefined;

  constructor(private readonly options: CameraEventsOptions) {}

  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.abort = new AbortController();
    // run() handles its own errors; the catch only guarantees that nothing escapes as an unhandled rejection.
    this.loop = this.run().catch(() => undefined);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    await this.loop;
    const sub = this.subscription;
    this.subscription = undefined;
    // Frees the camera's slot at once; cameras allow few pull points. Best effort.
    if (sub) await this.request(sub.client, sub.address, 'Unsubscribe', '<wsnt:Unsubscribe/>', 2000, false).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const backoff = this.options.backoffMs ?? { initial: 1000, max: 60_000 };
    let delayMs = backoff.initial;
    while (this.running) {
      try {
        await this.subscribeAndPull(() => (delayMs = backoff.initial));
      } catch (err) {
        if (!this.running) break;
        this.subscription = undefined;
        try {
          this.options.onState?.('retrying', err instanceof Error ? err : new Error(String(err)));
        } catch {
          // A reporting callback that throws must not end the subscription loop.
        }
        await this.sleep(delayMs * (0.8 + Math.random() * 0.4));
        delayMs = Math.min(delayMs * 2, backoff.max);
      }
    }
  }

  /** Runs until an error or stop(); `subscribed` resets the backoff once a subscription works. */
  private async subscribeAndPull(subscribed: () => void): Promise<void> {
    const o = this.options;
    const pullTimeoutS = o.pullTimeoutS ?? 10;
    const terminationS = o.terminationS ?? 60;
    const client = new SoapClient(o.deviceUrl, { timeoutMs: 5000, credentials: o.credentials });
    client.clockOffsetMs = await readClockOffset(client);
    const services = await readServiceAddresses(client, o.deviceUrl);
    if (!services.events) throw new OnvifError('fault', o.deviceUrl, `${o.deviceUrl} offers no event service`);
    const created = await this.request(client, services.events, 'CreatePullPointSubscription',
      `<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT${terminationS}S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`);
    const address = pullPointAddress(o.cameraId, o.deviceUrl, text(created, 'SubscriptionReference', 'Address'));
    this.subscription = { client, address };
    subscribed();
    o.onState?.('subscribed');
    let renewAt = Date.now() + (terminationS * 1000) / 2;
    while (this.running) {
      const body = `<tev:PullMessages><tev:Timeout>PT${pullTimeoutS}S</tev:Timeout><tev:MessageLimit>32</tev:MessageLimit></tev:PullMessages>`;
      const res = await this.request(client, address, 'PullMessages', body, (pullTimeoutS + 5) * 1000);
      for (const e of readCameraEvents(res, o.cameraId)) o.onEvent(e);
      if (Date.now() >= renewAt) {
        await this.request(client, address, 'Renew', `<wsnt:Renew><wsnt:TerminationTime>PT${terminationS}S</wsnt:TerminationTime></wsnt:Renew>`);
        renewAt = Date.now() + (terminationS * 1000) / 2;
      }
    }
  }

  private request(client: SoapClient, url: string, op: string, body: string, timeoutMs = 5000, abortable = true) {
    const wsdl = op === 'Renew' || op === 'Unsubscribe' ? 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager' : 'http://www.onvif.org/ver10/events/wsdl/PullPointSubscription';
    return client.call(url, {
      action: op === 'CreatePullPointSubscription' ? 'http://www.onvif.org/ver10/events/wsdl/EventPortType/CreatePullPointSubscriptionRequest' : `${wsdl}/${op}Request`,
      body,
      header: `<wsa:To s:mustUnderstand="1">${escapeXml(url)}</wsa:To>`,
      timeoutMs,
      ...(abortable ? { signal: this.abort.signal } : {}),
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.abort.signal;
      // The listener goes when the timer fires: a camera that keeps failing must not pile them up.
      const onAbort = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * The pull point's address as the camera gave it, re-based on the device's origin (cameras behind
 * NAT advertise their LAN address). A missing or unusable address is an OnvifReplyError naming the
 * camera and the address; the subscription loop backs off and tries again.
 */
export function pullPointAddress(cameraId: string, deviceUrl: string, raw: string | undefined): string {
  const device = checkDeviceUrl(deviceUrl);
  if (!device.ok) throw new OnvifError('bad-address', deviceUrl, `camera ${cameraId}: device address "${shownText(deviceUrl, 80)}" is ${device.reason}`);
  if (!raw) throw new OnvifReplyError(deviceUrl, `camera ${cameraId}: CreatePullPointSubscription without an address`);
  const c = checkDeviceUrl(raw);
  if (!c.ok) throw new OnvifReplyError(deviceUrl, `camera ${cameraId}: pull-point address "${shownText(raw, 80)}" is ${c.reason}`);
  return device.url.origin + c.url.pathAndQuery;
}
