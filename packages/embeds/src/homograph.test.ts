import { describe, expect, it } from 'vitest';

import { isLikelyHomograph } from './homograph.ts';

describe('isLikelyHomograph', () => {
  it('flags a label mixing Latin with Cyrillic or Greek', () => {
    expect(isLikelyHomograph('xn--pple-43d.com')).toBe(true); // аpple: Cyrillic а
    expect(isLikelyHomograph('аpple.com')).toBe(true);
    expect(isLikelyHomograph('pаypal.example')).toBe(true);
    expect(isLikelyHomograph('gοοgle.com')).toBe(true); // Greek omicrons
  });

  it('flags a label written only in Latin look-alikes of another script', () => {
    expect(isLikelyHomograph('xn--80ak6aa92e.com')).toBe(true); // аррӏе
    expect(isLikelyHomograph('сосо.com')).toBe(true);
  });

  it('accepts plain ASCII, accented Latin and single-script names', () => {
    expect(isLikelyHomograph('example.com')).toBe(false);
    expect(isLikelyHomograph('münchen.de')).toBe(false);
    expect(isLikelyHomograph('xn--mnchen-3ya.de')).toBe(false);
    expect(isLikelyHomograph('пример.рф')).toBe(false);
    expect(isLikelyHomograph('ελληνικά.gr')).toBe(false);
  });

  it('accepts the usual East Asian mixes', () => {
    expect(isLikelyHomograph('例え.jp')).toBe(false);
    expect(isLikelyHomograph('日本語テスト.jp')).toBe(false);
    expect(isLikelyHomograph('abc中文.com')).toBe(false);
  });

  it('is false for empty or invalid input', () => {
    expect(isLikelyHomograph('')).toBe(false);
    expect(isLikelyHomograph('xn--')).toBe(false);
  });
});
