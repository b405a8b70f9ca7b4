import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { CameraConfig } from '../../../src/config/cameraSchema.js';
import { rtspCheck } from '../../../src/health/doctor/rtspCheck.js';

// A camera firmware that closes the connection after its 401: the digest answer goes on a new one,
// and the password itself never crosses the wire.

describe('doctor: RTSP DESCRIBE against a camera that hangs up after 401', () => {
  it('retries with the digest on a new connection', async () => {
    const requests: string[] = [];
    const server = createServer((socket) => {
      socket.on('data', (d: Buffer) => {
        // After hanging up, the camera ignores whatever still arrives on that connection.
        if (socket.writableEnded) return;
        const text = d.toString();
        requests.push(text);
        const cseq = /CSeq: (\d+)/.exec(text)?.[1] ?? '0';
        if (!/^Authorization: Digest /m.test(text)) {
          socket.end(`RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Digest realm="cam", nonce="abc123"\r\n\r\n`);
        } else {
          socket.end(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nContent-Length: 4\r\n\r\nv=0\n`);
        }
      });
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    try {
      const cam = { id: 'gate', enabled: true, source: `rtsp://viewer:pa%24%24word@127.0.0.1:${port}/stream1` } as CameraConfig;
      const [row] = await rtspCheck([cam], 3000).run(new AbortController().signal);
      expect(row).toMatchObject({ check: 'camera gate', status: 'pass', detail: `rtsp://127.0.0.1:${port}/stream1 answers DESCRIBE (200), digest login as viewer accepted` });
      expect(requests[0]).not.toContain('Authorization');
      expect(requests.at(-1)).toMatch(/Authorization: Digest username="viewer", realm="cam", nonce="abc123", uri="rtsp:\/\/127\.0\.0\.1:\d+\/stream1"/);
      for (const r of requests) {
        expect(r).not.toContain('pa$$word');
        expect(r).not.toContain('pa%24%24word');
      }
    } finally {
      server.close();
    }
  });
});
