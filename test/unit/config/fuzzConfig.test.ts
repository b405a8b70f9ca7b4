import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/loadConfig.js';
import { ConfigError } from '../../../src/errors.js';
import { forgetSecrets } from '../../../src/log/redact.js';
import { assertNoRawJsError, BAD_URLS, deepJson, fuzzInputs, fuzzSeed, HUGE_NUMBERS, Rng, yamlAliasBomb, type Mutation } from '../../helpers/fuzz.js';
import { ROOT } from '../../helpers/media.js';

// Hostile YAML into the config loader: it returns a config or throws a ConfigError whose text
// names the problem, never a raw JavaScript error, whatever the file holds. Counted, not timed.

const COUNT = Number(process.env['FUZZ_COUNT'] ?? 10_000);

const SMALL = `gateway: { id: gw-1, province: hn, commune: c1 }
secrets_file: secrets.yaml
mqtt:
  urls: ["mqtts://gw:\${MQTT_PW}@broker:8883", "mqtt://127.0.0.1:1883"]
  username: gw
  password: \${MQTT_PW}
  tls: { reject_unauthorized: true }
cameras:
  - id: cam-1
    source: rtsp://admin:\${CAM_PW}@10.0.0.5:554/Streaming/Channels/102
    detect_fps: 5
    classes: [person, car]
    onvif: { host: 10.0.0.5, port: 80, events: true, record_source: "rtsp://admin:\${CAM_PW}@10.0.0.5/main" }
  - id: cam-2
    source: file://clips/a.mp4
    events:
      zones:
        - { name: gate, polygon: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9]] }
`;

// YAML-aware mutations on top of the byte-level ones: a value replaced by a hostile one.
const YAML_VALUES = [...BAD_URLS.map((u) => JSON.stringify(u)), ...HUGE_NUMBERS, '[]', '{}', '~', '*nope', '&a [*a]', '!!binary AAAA', '!!js/function "x"', deepJson(200), '"${UNSET}"', '"${MQTT_PW}"'];
const replaceValue: Mutation = (input, rng) => {
  const lines = input.toString('utf8').split('\n');
  const i = rng.int(lines.length);
  lines[i] = lines[i]!.replace(/:\s.*$/, `: ${rng.pick(YAML_VALUES)}`);
  return Buffer.from(lines.join('\n'));
};
const aliasBomb: Mutation = (input, rng) => Buffer.from(`${input.toString('utf8')}\nx_bomb: ${rng.chance(0.5) ? '&d [d, *d]' : '0'}\n${yamlAliasBomb(rng.range(2, 8))}`);

describe('fuzzing the config loader with YAML', () => {
  afterAll(() => forgetSecrets());

  it(`returns a config or a ConfigError for ${COUNT} mutated files, never a raw error`, async () => {
    const { flipBits, truncate, deleteSlice, duplicateSlice, insertToken, deepNest, randomBytes } = await import('../../helpers/fuzz.js');
    const rng = new Rng(fuzzSeed('config-yaml'));
    const example = readFileSync(join(ROOT, 'config', 'example.yaml'), 'utf8');
    const mutations = [flipBits, truncate, deleteSlice, duplicateSlice, insertToken, deepNest, randomBytes, replaceValue, replaceValue, aliasBomb];
    let ok = 0;
    let refused = 0;
    let n = 0;
    for (const input of fuzzInputs(rng, [SMALL, SMALL, SMALL, example], COUNT, mutations)) {
      n++;
      try {
        parseConfig(input.toString('utf8'), join(ROOT, 'config', 'fuzz.yaml'), { env: { MQTT_PW: 'mq@tt/pw', CAM_PW: 'c@m/pw#1?' } });
        ok++;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw new Error(`input ${n} (seed ${rng.seed}) threw ${String((err as Error)?.stack ?? err)}\n---\n${input.toString('utf8').slice(0, 2000)}`);
        assertNoRawJsError(err.message, `input ${n}, seed ${rng.seed}`);
        refused++;
      }
    }
    expect(ok + refused).toBe(COUNT);
    expect(refused).toBeGreaterThan(0);
    console.log(`fuzz config-yaml: ${COUNT} files: ${ok} accepted, ${refused} refused with a ConfigError`);
  });
});
