import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXIT, reportFatal, showStacks } from '../../../src/cli/exitCodes.js';
import { ConfigError, ModelError, StreamError } from '../../../src/errors.js';
import { UplinkError } from '../../../src/publish/uplinkError.js';
import { StoreError } from '../../../src/store/storeErrors.js';

function report(err: unknown): { code: number; text: string } {
  let text = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    return { code: reportFatal(err), text };
  } finally {
    spy.mockRestore();
  }
}

const STACK = /\n\s+at /;

describe('fatal errors', () => {
  afterEach(() => {
    showStacks(false);
    delete process.env['EDGE_AGENT_DEBUG'];
  });

  it('each kind has its own exit code and no stack trace', () => {
    const cases: [unknown, number, RegExp][] = [
      [new ConfigError('/etc/edge-agent/edge-agent.yaml', ['gateway.id: required']), EXIT.config, /invalid configuration in \/etc\/edge-agent/],
      [new ModelError('model "x" was not found'), EXIT.model, /model problem: /],
      [new StreamError('not-found', 'video file not found: /v.mp4'), EXIT.stream, /video not-found: /],
      [new StoreError('cannot open the outbox /o.db: EACCES'), EXIT.store, /outbox problem: cannot open the outbox \/o.db/],
      [new UplinkError('cannot read an MQTT TLS file: ENOENT'), EXIT.uplink, /uplink problem: .*check mqtt.urls and the files named in mqtt.tls/],
    ];
    const codes = new Set<number>();
    for (const [err, code, message] of cases) {
      const r = report(err);
      expect(r.code).toBe(code);
      expect(r.text).toMatch(message);
      expect(r.text).not.toMatch(STACK);
      codes.add(r.code);
    }
    expect(codes.size).toBe(cases.length);
  });

  it('a file error from anywhere names the path and the remedy, without a stack', () => {
    const err = Object.assign(new Error("EACCES: permission denied, mkdir '/etc/edge-agent/var'"), {
      code: 'EACCES',
      syscall: 'mkdir',
      path: '/etc/edge-agent/var',
    });
    const r = report(err);
    expect(r.code).toBe(EXIT.failure);
    expect(r.text).toContain('edge-agent: cannot mkdir /etc/edge-agent/var (EACCES): the user this runs as may not use it');
    expect(r.text).toContain('EDGE_AGENT_DEBUG=1');
    expect(r.text).not.toMatch(STACK);
  });

  it('prints the stack and its causes with EDGE_AGENT_DEBUG=1 or at debug level', () => {
    process.env['EDGE_AGENT_DEBUG'] = '1';
    const err = new StoreError('cannot open the outbox /o.db', { cause: new Error('SQLITE_CANTOPEN') });
    const r = report(err);
    expect(r.text).toMatch(STACK);
    expect(r.text).toContain('caused by: Error: SQLITE_CANTOPEN');
    delete process.env['EDGE_AGENT_DEBUG'];
    expect(report(err).text).not.toMatch(STACK);
    showStacks(true);
    expect(report(err).text).toMatch(STACK);
  });
});
