import { parsePublicKey } from '../verify/keys.js';
import type { MqttConfig } from './uplinkSchema.js';

/** mqtt.centre_key must be an Ed25519 public key, and end-to-end acks need it (an unsigned ack would be anyone's). */
export function checkCentreKey(mqtt: MqttConfig | undefined): string[] {
  if (!mqtt) return [];
  if (mqtt.centreKey !== undefined && !parsePublicKey(mqtt.centreKey)) {
    return ['mqtt.centre_key: not an Ed25519 public key; paste the 43-character text `edge-agent keys show --key <centre key file>` prints'];
  }
  if (mqtt.e2eAck.enabled && mqtt.centreKey === undefined) {
    return ['mqtt.e2e_ack.enabled: needs mqtt.centre_key, so that only the centre can release rows; set it or disable e2e_ack'];
  }
  return [];
}
