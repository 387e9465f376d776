import { describe, expect, it } from 'vitest';

import { brandColour, parseColour } from './colour.ts';

describe('parseColour', () => {
  it('reads #rrggbb and #rgb', () => {
    expect(parseColour('#336699')).toBe(0x336699);
    expect(parseColour('#FFFFFF')).toBe(0xffffff);
    expect(parseColour('#000000')).toBe(0);
    expect(parseColour('#f60')).toBe(0xff6600);
    expect(parseColour('  #AbC ')).toBe(0xaabbcc);
  });

  it('ignores other syntaxes and garbage', () => {
    for (const value of [
      undefined,
      '',
      'red',
      '336699',
      '#12345',
      '#1234567',
      '#ggg',
      'rgb(1,2,3)',
      '#ffff',
      '#ff000080',
    ]) {
      expect(parseColour(value), String(value)).toBeUndefined();
    }
  });
});

describe('brandColour', () => {
  it('knows YouTube and Twitter/X', () => {
    expect(brandColour('www.youtube.com')).toBe(0xff0000);
    expect(brandColour('youtu.be')).toBe(0xff0000);
    expect(brandColour('x.com')).toBe(0x1da1f2);
    expect(brandColour('mobile.twitter.com')).toBe(0x1da1f2);
  });

  it('does not match look-alike hosts', () => {
    expect(brandColour('notyoutube.com')).toBeUndefined();
    expect(brandColour('youtube.com.evil.example')).toBeUndefined();
    expect(brandColour('example.com')).toBeUndefined();
  });
});
