import { describe, expect, it } from 'vitest';

import { SearchSyntaxError } from './error.ts';
import { parseSearch } from './parse.ts';
import { errorOf } from './test-helpers.ts';

const EMPTY = {
  terms: [],
  phrases: [],
  excluded: [],
  from: [],
  mentions: [],
  mentionsEveryone: false,
  in: [],
  has: [],
};

describe('parseSearch: words, phrases and exclusions', () => {
  it('gives an empty search for an empty or blank query', () => {
    expect(parseSearch('')).toEqual(EMPTY);
    expect(parseSearch(' \t\n\u00a0\u3000')).toEqual(EMPTY);
  });

  it('folds and deduplicates terms', () => {
    expect(parseSearch('Crème BRÛLÉE creme')).toEqual({ ...EMPTY, terms: ['creme', 'brulee'] });
    expect(parseSearch('ＨＥＬＬＯ')).toEqual({ ...EMPTY, terms: ['hello'] });
  });

  it('separates tokens on any Unicode whitespace', () => {
    expect(parseSearch('a\u00a0b\u2003c\u3000d\u0085e').terms).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('splits words on anything but letters and digits', () => {
    expect(parseSearch('hello-world foo_bar it’s').terms).toEqual([
      'hello',
      'world',
      'foo',
      'bar',
      'it',
      's',
    ]);
  });

  it('treats wildcard and regex characters as plain separators', () => {
    expect(parseSearch('a*b*c*d').terms).toEqual(['a', 'b', 'c', 'd']);
    expect(parseSearch('colou?r (a|b)+ ^x$ [0-9]{2} .* \\d').terms).toEqual([
      'colou',
      'r',
      'a',
      'b',
      'x',
      '0',
      '9',
      '2',
      'd',
    ]);
    expect(parseSearch('*** ??? .*')).toEqual(EMPTY);
  });

  it('keeps URLs and n:m as plain words, not filters', () => {
    expect(parseSearch('https://Example.com/a').terms).toEqual(['https', 'example', 'com', 'a']);
    expect(parseSearch('3:2 12:30').terms).toEqual(['3', '2', '12', '30']);
  });

  it('reads quoted phrases, folded, with whitespace collapsed', () => {
    expect(parseSearch('"Crème  Brûlée!" x').phrases).toEqual(['creme brulee']);
    expect(parseSearch('"one"')).toEqual({ ...EMPTY, phrases: ['one'] });
    expect(parseSearch('"a b" "a  b" "A-B"').phrases).toEqual(['a b']);
  });

  it('drops phrases that fold to nothing', () => {
    expect(parseSearch('"" "  " "***"')).toEqual(EMPTY);
  });

  it('ends a quoted token at its closing quote, and a word at an opening quote', () => {
    expect(parseSearch('"a b"c')).toEqual({ ...EMPTY, terms: ['c'], phrases: ['a b'] });
    expect(parseSearch('say"hi there"')).toEqual({ ...EMPTY, terms: ['say'], phrases: ['hi there'] });
  });

  it('reads -word and -"phrase" as exclusions, normalised like phrases', () => {
    expect(parseSearch('cats -Dogs -"Big  Birds"')).toEqual({
      ...EMPTY,
      terms: ['cats'],
      excluded: ['dogs', 'big birds'],
    });
    expect(parseSearch('-hello-world').excluded).toEqual(['hello world']);
    expect(parseSearch('--x').excluded).toEqual(['x']);
  });

  it('ignores a lone dash and exclusions that fold to nothing', () => {
    expect(parseSearch('- -- -*** -""')).toEqual(EMPTY);
  });

  it('reads a dash inside a word as a separator, not an exclusion', () => {
    expect(parseSearch('well-known')).toEqual({ ...EMPTY, terms: ['well', 'known'] });
  });
});

describe('parseSearch: limits', () => {
  it('rejects a query longer than maxLength', () => {
    const query = 'x'.repeat(513);
    expect(errorOf(query)).toEqual({
      message: 'query is longer than 512 characters',
      token: 'x'.repeat(20),
      start: 512,
      end: 513,
    });
    expect(parseSearch('x'.repeat(100) + ' ' + 'y'.repeat(100)).terms).toHaveLength(2);
    expect(errorOf('abcdef', { maxLength: 5 }).message).toBe('query is longer than 5 characters');
  });

  it('rejects a token longer than maxTokenLength', () => {
    const long = 'a'.repeat(101);
    expect(errorOf(`ok ${long}`)).toEqual({
      message: 'word is too long (at most 100 characters) at 3',
      token: long,
      start: 3,
      end: 104,
    });
    expect(parseSearch('a'.repeat(100)).terms).toEqual(['a'.repeat(100)]);
    const phrase = `"${'ab '.repeat(40)}"`;
    expect(errorOf(phrase)).toMatchObject({ message: 'phrase is too long (at most 100 characters) at 0' });
  });

  it('fails fast on 1,000 repeated characters', () => {
    for (const char of ['a', '*', '-', ':', 'é', '"']) {
      const query = char.repeat(1000);
      const began = performance.now();
      expect(errorOf(query)).toMatchObject({ message: 'query is longer than 512 characters', start: 512 });
      // With the length limit lifted, the token limit stops it before any per-word work.
      expect(errorOf(query.slice(1), { maxLength: 10_000 })).toMatchObject({
        message: char === '"' ? 'unbalanced quote at 998' : 'word is too long (at most 100 characters) at 0',
      });
      expect(performance.now() - began).toBeLessThan(100);
    }
  });

  it('rejects more than maxTerms distinct terms, phrases and exclusions together', () => {
    const words = Array.from({ length: 32 }, (_, i) => `w${i}`);
    expect(parseSearch(words.join(' ')).terms).toHaveLength(32);
    expect(parseSearch(`${words.join(' ')} w0 W0`).terms).toHaveLength(32); // duplicates are free
    expect(errorOf(`${words.join(' ')} extra`)).toMatchObject({
      message: `too many words (at most 32) at ${words.join(' ').length + 1}`,
      token: 'extra',
    });
    expect(errorOf('a "b c" -d e', { maxTerms: 3 })).toEqual({
      message: 'too many words (at most 3) at 11',
      token: 'e',
      start: 11,
      end: 12,
    });
  });

  it('counts the pieces of a split word against maxTerms', () => {
    expect(errorOf('a*b*c*d', { maxTerms: 3 })).toEqual({
      message: 'too many words (at most 3) at 0',
      token: 'a*b*c*d',
      start: 0,
      end: 7,
    });
  });
});

describe('parseSearch: quotes', () => {
  it('rejects an unbalanced quote, pointing at the opening quote', () => {
    expect(errorOf('hello "world')).toEqual({
      message: 'unbalanced quote at 6',
      token: '"',
      start: 6,
      end: 7,
    });
    expect(errorOf('"a" "b" "c')).toEqual({ message: 'unbalanced quote at 8', token: '"', start: 8, end: 9 });
    expect(errorOf('in:"general')).toEqual({
      message: 'unbalanced quote at 3',
      token: '"',
      start: 3,
      end: 4,
    });
    expect(errorOf('x -"y')).toEqual({ message: 'unbalanced quote at 3', token: '"', start: 3, end: 4 });
    expect(errorOf('it"s')).toEqual({ message: 'unbalanced quote at 2', token: '"', start: 2, end: 3 });
  });

  it('reports the error as a SearchSyntaxError with its name', () => {
    expect(() => parseSearch('"')).toThrow(SearchSyntaxError);
    try {
      parseSearch('"');
    } catch (error) {
      expect((error as Error).name).toBe('SearchSyntaxError');
    }
  });
});

describe('limits on what costs the index most', () => {
  it('refuses a phrase of more than ten words, quoted or excluded, at its token', () => {
    const long = `"${Array.from({ length: 11 }, (_, i) => `w${i}`).join(' ')}"`;
    expect(() => parseSearch(`ok ${long}`)).toThrow(/phrase has too many words \(at most 10\) at 3/);
    expect(() => parseSearch(`ok -${long}`)).toThrow(/phrase has too many words/);
    expect(parseSearch(`"${Array.from({ length: 10 }, (_, i) => `w${i}`).join(' ')}"`).phrases).toHaveLength(
      1,
    );
  });

  it('refuses a ninth distinct exclusion', () => {
    const eight = Array.from({ length: 8 }, (_, i) => `-x${i}`).join(' ');
    expect(parseSearch(`the ${eight} -x0`).excluded).toHaveLength(8);
    expect(() => parseSearch(`the ${eight} -x8`)).toThrow(/too many exclusions \(at most 8\)/);
  });
});
