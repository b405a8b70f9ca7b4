import { statSync } from 'node:fs';
import type { MqttConfig } from '../../config/uplinkSchema.js';
import { gatewayKeyPath, loadGatewayKey } from '../../config/gatewayKey.js';
import { ConfigError } from '../../errors.js';
import { fingerprint } from '../../verify/keys.js';
import { row, type CheckRow } from './check.js';

// With MQTT the gateway signs everything it sends and obeys only what the centre signed: its own
// key must be there, private to the service user, and the centre's public key set.

export function signingRows(mqtt: MqttConfig, outboxPath: string, configFile: string): CheckRow[] {
  const path = gatewayKeyPath(outboxPath);
  const rows: CheckRow[] = [];
  try {
    const key = loadGatewayKey(path);
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) rows.push(row('signing key', 'fail', `${path} is readable by others (mode ${mode.toString(8)})`, `chmod 600 ${path}, then rotate it (edge-agent keys rotate -c ${configFile}) and enrol the new key`));
    else rows.push(row('signing key', 'pass', `${path}: ${fingerprint(key).full} (enrolled at the centre?)`));
  } catch (err) {
    const problem = err instanceof ConfigError ? err.problems.join('; ') : (err as Error).message;
    rows.push(row('signing key', 'fail', problem, `edge-agent keys init -c ${configFile} (as the service user), then enrol the public key it prints`));
  }
  if (mqtt.centreKey === undefined) rows.push(row('centre key', 'warn', 'no mqtt.centre_key: every request from the centre is refused', 'set mqtt.centre_key to the public key on the commissioning sheet'));
  else rows.push(row('centre key', 'pass', 'requests and acks must carry the centre signature'));
  return rows;
}
