import { describe, expect, it } from 'vitest';
import { parseScopes } from '../../../src/discovery/scopes.js';
import { expandTargets, UnicastTargetError } from '../../../src/discovery/subnets.js';

describe('scope parsing', () => {
  it('reads hardware, name, location and profiles, decoding %-escapes', () => {
    const info = parseScopes(
      'onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/Profile/T ' +
        'onvif://www.onvif.org/hardware/DS-2CD2143G2-I onvif://www.onvif.org/name/HIKVISION%20DS-2CD2143G2-I ' +
        'onvif://www.onvif.org/location/city/hanoi',
    );
    expect(info).toEqual({
      manufacturer: 'HIKVISION',
      model: 'DS-2CD2143G2-I',
      name: 'HIKVISION DS-2CD2143G2-I',
      location: 'hanoi',
      profiles: ['Streaming', 'T'],
    });
  });

  it('prefers an explicit mfr scope and leaves the brand empty when nothing names it', () => {
    expect(parseScopes(['onvif://www.onvif.org/mfr/Dahua', 'onvif://www.onvif.org/name/Gate']).manufacturer).toBe('Dahua');
    expect(parseScopes(['onvif://www.onvif.org/name/Junction%202', 'onvif://www.onvif.org/hardware/M1065']).manufacturer).toBe('');
  });

  it('ignores foreign and malformed scopes', () => {
    const info = parseScopes('http://example.invalid/x onvif://www.onvif.org/name/%E0%A4%A onvif://www.onvif.org/hardware/');
    expect(info.name).toBe('%E0%A4%A');
    expect(info.model).toBe('');
  });
});

describe('unicast targets', () => {
  it('expands a CIDR without network and broadcast addresses', () => {
    const hosts = expandTargets(['10.1.2.0/29', '10.9.9.9']);
    expect(hosts).toEqual(['10.1.2.1', '10.1.2.2', '10.1.2.3', '10.1.2.4', '10.1.2.5', '10.1.2.6', '10.9.9.9']);
    expect(expandTargets(['192.168.1.77/24'])).toHaveLength(254);
  });

  it('refuses subnets too large to probe one by one, and garbage', () => {
    expect(() => expandTargets(['10.0.0.0/16'])).toThrow(UnicastTargetError);
    expect(() => expandTargets(['10.0.0.0/16'])).toThrow(/too large/);
    expect(() => expandTargets(['10.0.0.300/24'])).toThrow(/CIDR/);
    expect(() => expandTargets(['not a host!'])).toThrow(/not an IPv4/);
  });
});
