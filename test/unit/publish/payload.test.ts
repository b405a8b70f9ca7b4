import { describe, expect, it } from 'vitest';
import { alertRecord, decodePayload, encodeRow, snapshotRecord } from '../../../src/publish/payload.js';
import { baseTopic, TOPIC, topicLevel } from '../../../src/publish/topics.js';
import type { OutboxRow } from '../../../src/store/outboxTypes.js';
import { makeAlert } from '../../integration/uplink/support.js';

function row(extra: Partial<OutboxRow> = {}): OutboxRow {
  const a = makeAlert('gw-t1-cam-1-000123', { snapshot: '/var/lib/edge-agent/snapshots/x.jpg', data: { speed_kmh: 62.5 } });
  return { ...alertRecord(a), seq: 1_764_000_000_123_456, boot: 12345, createdTs: 0, replay: false, ...extra };
}

describe('alert payloads', () => {
  it('stays under 300 bytes for a full alert, in JSON and in CBOR, with large seq and boot', () => {
    const json = encodeRow(row(), true, 'json', 'gw-t1');
    const cbor = encodeRow(row(), true, 'cbor', 'gw-t1');
    expect(json.length).toBeLessThan(300);
    expect(cbor.length).toBeLessThan(json.length);
  });

  it('round-trips with seq, boot and the historical flag, and never carries the JPEG or its path', () => {
    for (const format of ['json', 'cbor'] as const) {
      const p = decodePayload(encodeRow(row(), true, format, 'gw-t1'), format);
      expect(p).toMatchObject({ q: 1_764_000_000_123_456, bt: 12345, g: 'gw-t1', h: 1, i: 'gw-t1-cam-1-000123', c: 'cam-1', k: 'wrong_way', y: 'i', s: 0.87, b: [0.123, 0.235, 0.346, 0.457], p: 1, d: { speed_kmh: 62.5 } });
      expect(JSON.stringify(p)).not.toContain('.jpg');
      const live = decodePayload(encodeRow(row(), false, format, 'gw-t1'), format);
      expect(live['h']).toBeUndefined();
    }
  });

  it('keeps the snapshot path out of the alert body but in the local record', () => {
    const a = makeAlert('x', { snapshot: '/snap/x.jpg' });
    expect(alertRecord(a).body).not.toContain('/snap/');
    expect(alertRecord(a).file).toBe('/snap/x.jpg');
    expect(snapshotRecord(a as typeof a & { snapshot: string })).toMatchObject({ class: 'snapshot', topic: 'camera/cam-1/snapshot/x', file: '/snap/x.jpg' });
  });

  it('says p = 2 when the JPEG goes out as the next row', () => {
    const a = makeAlert('x', { snapshot: '/snap/x.jpg' });
    expect(JSON.parse(alertRecord(a, true).body)).toMatchObject({ p: 2 });
    expect(JSON.parse(alertRecord(a).body)).toMatchObject({ p: 1 });
  });

  it('encodes an empty body', () => {
    const p = decodePayload(encodeRow({ ...row(), body: '{}' }, false, 'json', 'gw-t1'), 'json');
    expect(p).toEqual({ q: 1_764_000_000_123_456, bt: 12345, g: 'gw-t1' });
  });
});

describe('topics', () => {
  it('builds <prefix>/<province>/<commune>/<gateway>/... and routes by class', () => {
    expect(baseTopic({ prefix: 'edge', province: 'hn', commune: 'phuc-xa', gateway: 'gw-1' })).toBe('edge/hn/phuc-xa/gw-1');
    expect(alertRecord(makeAlert('a')).topic).toBe('camera/cam-1/alert/wrong_way');
    expect(alertRecord(makeAlert('a', { class: 'count', rule: 'lane2_count', kind: 'count' })).topic).toBe('camera/cam-1/count/lane2_count');
    expect(TOPIC.cameraStatus('cam-1')).toBe('camera/cam-1/status');
    expect(TOPIC.request('ping')).toBe('request/ping');
  });

  it('never lets a name add levels or wildcards', () => {
    expect(topicLevel('a/b+#c')).toBe('a_b__c');
    expect(topicLevel('')).toBe('_');
    expect(TOPIC.alert('cam-1', 'x/#')).toBe('camera/cam-1/alert/x__');
  });
});
