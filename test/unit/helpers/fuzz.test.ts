import { describe, expect, it } from 'vitest';
import { assertNoRawJsError, fuzzInputs, Rng, yamlAliasBomb } from '../../helpers/fuzz.js';

describe('fuzz helper', () => {
  it('replays the same inputs from the same seed', () => {
    const seeds = ['{"a":{"b":[1,2,"x"]}}', 'hello: world\n'];
    const a = [...fuzzInputs(new Rng(42), seeds, 300)].map((b) => b.toString('base64'));
    const b = [...fuzzInputs(new Rng(42), seeds, 300)].map((b) => b.toString('base64'));
    const c = [...fuzzInputs(new Rng(43), seeds, 300)].map((b) => b.toString('base64'));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBeGreaterThan(200);
  });

  it('flags raw JavaScript errors and lets plain messages through', () => {
    expect(() => assertNoRawJsError('TypeError: Invalid URL')).toThrow(/raw JavaScript error/);
    expect(() => assertNoRawJsError('cameras.0.source: not a valid URL; percent-encode the password')).not.toThrow();
    expect(yamlAliasBomb(2, 2)).toContain('a2: &a2 [*a1, *a1]');
  });
});
