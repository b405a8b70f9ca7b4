import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/media.js';
import { sh } from './debianRoot.js';

const UNIT = join(ROOT, 'systemd', 'edge-agent.service');
const ANALYZE = '/usr/bin/systemd-analyze';
const skip = existsSync(ANALYZE) ? undefined : 'needs systemd-analyze (Debian package systemd; scripts/setup installs it)';
if (skip) console.warn(`unit security test skipped: ${skip}`);

describe.skipIf(skip)('the shipped systemd unit', () => {
  it('exposure by systemd-analyze security is at most 2.0 ("OK")', () => {
    // Offline: this machine's init need not be systemd. The analysis reads the unit file only.
    const out = sh(`${ANALYZE} security --offline=true --no-pager '${UNIT}' 2>&1`);
    const m = /Overall exposure level for edge-agent\.service: (\d+\.\d+) (\S+)/.exec(out);
    expect(m, out.slice(-2000)).not.toBeNull();
    console.log(`systemd-analyze security: ${m![1]} ${m![2]}`);
    expect(Number(m![1])).toBeLessThanOrEqual(2.0);
  });

  it('keeps what the agent needs: IP and multicast, netlink, video devices, W^X off for V8, its state, notify', () => {
    const unit = readFileSync(UNIT, 'utf8');
    const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((x) => x[1]!.trim());
    expect(values('RestrictAddressFamilies').join(' ').split(/\s+/).sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_UNIX']);
    expect(values('PrivateNetwork')).toEqual([]); // WS-Discovery multicast needs the host's network
    expect(values('IPAddressDeny')).toEqual([]); // cameras and brokers are wherever the site has them
    expect(values('DeviceAllow').sort()).toEqual(['char-drm rw', 'char-video4linux rw']);
    expect(values('PrivateDevices')).toEqual([]); // it would hide /dev/video* and /dev/dri
    expect(values('MemoryDenyWriteExecute')).toEqual(['no']);
    expect(values('UMask')).toEqual(['0027']);
    expect(values('StateDirectory')).toEqual(['edge-agent']);
    expect(values('StateDirectoryMode')).toEqual(['0750']);
    expect(values('Type')).toEqual(['notify']);
    expect(values('NotifyAccess')).toEqual(['main']);
    expect(Number(values('WatchdogSec')[0])).toBeGreaterThan(10); // above the default stall_timeout_s
    expect(values('RestartPreventExitStatus')).toEqual(['2']);
    expect(values('ConditionPathExists')).toEqual(['/etc/edge-agent/edge-agent.yaml']);
  });
});
