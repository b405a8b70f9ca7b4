import type { SiteProfile } from './emitter.js';

// Messages between the fleet simulation and its gateway host processes (Node IPC, plain objects).

export interface GatewaySpec {
  id: string;
  province: string;
  commune: string;
  /** Index in the simulation's list, used in emitted rows instead of the id. */
  index: number;
  /** mqtts:// URL of its commune broker. */
  url: string;
  /** Its client certificate, path without .pem/.key. */
  cert: string;
  /** Its Ed25519 signing key, PKCS#8 PEM. */
  keyPem: string;
  /** Seed of its site's alert schedule. */
  seed: number;
}

export interface HostStart {
  op: 'start';
  /** Folder for the outboxes (one sub-folder per gateway). */
  dir: string;
  ca: string;
  /** The centre's public key (mqtt.centre_key). */
  centreKey: string;
  e2eTimeoutS: number;
  healthIntervalS: number;
  profile: SiteProfile;
  /**
   * The gateways start one after another over this many seconds, as sites boot at different times:
   * started together, their periodic health messages would all be sampled in the same instant.
   */
  startSpreadS: number;
  gateways: GatewaySpec[];
  /** Fill the (single) gateway's outbox with this many seconds of alerts at `busy` before it connects. */
  backlog?: { seconds: number; busy: SiteProfile };
}

export type ToHost = HostStart | { op: 'emit'; on: boolean } | { op: 'stop' };

/** What an emitted row is: a live alert or count summary, or a row of a prefilled backlog. */
export const KIND = { alert: 0, count: 1, backlog: 2 } as const;

/** [alert id, gateway index, capture ts (epoch ms), KIND] */
export type EmittedRow = [string, number, number, number];

export interface HostStats {
  op: 'stats';
  connected: number;
  /** Undelivered rows over the host's outboxes (pending and awaiting the centre's ack). */
  depth: number;
  /** Event-loop delay over the last interval: can this process carry its gateways? */
  eldP99Ms: number;
  eldMaxMs: number;
  /** Messages from the brokers the gateways refused (bad acks, requests), summed. */
  refused: number;
  /** Storage time of the oldest row still waiting for the centre's ack, over the host's outboxes; null when none. */
  oldestUndeliveredTs: number | null;
  /** When the host took these figures, epoch ms. */
  ts: number;
}

export type FromHost =
  | { op: 'started'; connectTs: number }
  | { op: 'emitted'; rows: EmittedRow[] }
  | HostStats
  | { op: 'stopped' }
  | { op: 'error'; message: string };
