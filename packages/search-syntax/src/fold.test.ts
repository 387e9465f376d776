import { describe, expect, it } from 'vitest';

import { fold, foldWords } from './fold.ts';

describe('fold', () => {
  it('removes accents and case', () => {
    expect(fold('Crème BRÛLÉE')).toBe('creme brulee');
    expect(fold('Ångström Ñandú Ça')).toBe('angstrom nandu ca');
  });

  it('maps compatibility forms to plain letters and digits (NFKD)', () => {
    expect(fold('ＨＥＬＬＯ　１２３')).toBe('hello 123');
    expect(fold('ﬁne')).toBe('fine'); // the fi ligature
    expect(fold('℡')).toBe('tel'); // decomposes to upper-case, so lower-casing must come after NFKD
  });

  it('folds the dotted capital I without leaving a combining dot behind', () => {
    expect(fold('İstanbul')).toBe('istanbul');
  });

  it('keeps Hangul syllables whole and leaves scripts without case alone', () => {
    expect(fold('한국어')).toBe('한국어');
    expect(fold('中文')).toBe('中文');
  });

  it('does not touch punctuation or spacing (splitting is foldWords’s job)', () => {
    expect(fold('a*b?  c')).toBe('a*b?  c');
  });
});

describe('foldWords', () => {
  it('splits on everything but letters and digits, dropping empty pieces', () => {
    expect(foldWords('Hello-World, a*b?? (c)')).toEqual(['hello', 'world', 'a', 'b', 'c']);
    expect(foldWords('  ***  ')).toEqual([]);
    expect(foldWords('')).toEqual([]);
  });

  it('keeps duplicates and order, as indexed text needs', () => {
    expect(foldWords('Café cafe CAFÉ')).toEqual(['cafe', 'cafe', 'cafe']);
  });
});
