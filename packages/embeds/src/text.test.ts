import { describe, expect, it } from 'vitest';

import { codePointLength, multiLine, singleLine, truncate } from './text.ts';

describe('codePointLength', () => {
  it('counts code points, not UTF-16 units', () => {
    expect(codePointLength('')).toBe(0);
    expect(codePointLength('abc')).toBe(3);
    expect(codePointLength('😀😀')).toBe(2);
    expect(codePointLength('é')).toBe(1);
    expect(codePointLength('e\u0301')).toBe(2);
  });

  it('counts a lone surrogate as one', () => {
    expect(codePointLength('\ud83d')).toBe(1);
    expect(codePointLength('a\ude00b')).toBe(3);
  });
});

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('hello', 5)).toBe('hello');
    expect(truncate('😀😀😀', 3)).toBe('😀😀😀');
  });

  it('cuts to the limit with an ellipsis inside it', () => {
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(codePointLength(truncate('x'.repeat(300), 256))).toBe(256);
  });

  it('never splits a surrogate pair', () => {
    const cut = truncate('😀'.repeat(10), 4);
    expect(cut).toBe('😀😀😀…');
  });

  it('gives nothing for a limit of 0', () => {
    expect(truncate('abc', 0)).toBe('');
  });
});

describe('singleLine and multiLine', () => {
  it('collapses whitespace to one line', () => {
    expect(singleLine('  A\n\n  title\t here ')).toBe('A title here');
  });

  it('keeps line breaks but squeezes blank lines and spaces', () => {
    expect(multiLine(' one  two\r\n\r\n\r\n\r\nthree \n four ')).toBe('one two\n\nthree\nfour');
  });
});
