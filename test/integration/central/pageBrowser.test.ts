import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Central } from '../../../src/central/central.js';
import type { Uplink } from '../../../src/publish/uplink.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { makeAlert, tempDir, waitFor } from '../uplink/support.js';
import { startCentral, startGateway, writeCentralConfig } from './support.js';

// The centre's page in a real headless browser (Debian's chromium): the DOM it builds from hostile
// alert fields holds them as text, never as elements. `--dump-dom` prints the DOM after load.

const CHROMIUM = '/usr/bin/chromium';

function dumpDom(url: string): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`, '--dump-dom', url];
  return new Promise((resolve, reject) => {
    execFile(CHROMIUM, args, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      rmSync(profile, { recursive: true, force: true });
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}

describe.skipIf(!existsSync(CHROMIUM))('central page in a headless browser', () => {
  let broker: Mosquitto;
  let dir: string;
  let central: Central;
  let gateway: Uplink;
  beforeAll(async () => {
    broker = await startMosquitto();
    dir = tempDir('central-page-');
    central = await startCentral(writeCentralConfig(dir, broker.url, ['gw-h']));
  });
  afterAll(async () => {
    await gateway?.stop();
    await central?.stop();
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows hostile alert fields as text', async () => {
    gateway = await startGateway(dir, 'gw-h', broker.url, { e2eAck: { enabled: true, timeoutS: 5 } });
    gateway.setCameraStatus('cam-1', { state: 'online' });
    const hostile = '<img src=x onerror="document.title=\'owned\'"><script>document.title="owned"</script>';
    gateway.emit(makeAlert('gw-h-1', { gatewayId: 'gw-h', rule: hostile, label: '"><b>x</b>' }));
    gateway.emit(makeAlert('gw-h-2', { gatewayId: 'gw-h' }));
    await waitFor(() => gateway.depth() === 0, 'alerts stored and acked');
    const dom = await dumpDom(`${central.httpUrl!}/?commune=c1`);
    expect(dom).toContain('<title>Alerts of c1</title>');
    expect(dom).not.toContain('<img');
    expect(dom).not.toContain('<script');
    expect(dom).not.toContain('<b>x</b>');
    expect(dom).toContain('&lt;img src=x onerror="document.title=\'owned\'"&gt;');
    // Two alert rows and one gateway row, with the camera online.
    expect(dom.match(/<tr><td>/g)).toHaveLength(3);
    expect(dom).toContain('cam-1: online');
  }, 120_000);
});
