import { describe, expect, it } from 'vitest';

import { parseSearch } from './parse.ts';
import { replaceToken, tokenAt } from './token-at.ts';

describe('tokenAt', () => {
  it('finds the filter the cursor is just after', () => {
    expect(tokenAt('hello from:ali', 14)).toEqual({ key: 'from', value: 'ali', start: 6, end: 14 });
  });

  it('finds the token the cursor is inside, key included', () => {
    expect(tokenAt('hello from:ali', 10)).toEqual({ key: 'from', value: 'ali', start: 6, end: 14 });
    expect(tokenAt('hello from:ali', 3)).toEqual({ key: null, value: 'hello', start: 0, end: 5 });
  });

  it('gives a plain word with a null key, right after its last character', () => {
    expect(tokenAt('hello from:ali', 5)).toEqual({ key: null, value: 'hello', start: 0, end: 5 });
  });

  it('is null on whitespace, before a token, out of range and on an empty query', () => {
    expect(tokenAt('hello  x', 6)).toBeNull();
    expect(tokenAt('hello from:ali', 6)).toBeNull();
    expect(tokenAt('from:ali', 0)).toBeNull();
    expect(tokenAt('', 0)).toBeNull();
    expect(tokenAt('abc', -1)).toBeNull();
    expect(tokenAt('abc', 4)).toBeNull();
    expect(tokenAt('abc', 1.5)).toBeNull();
  });

  it('offers an empty value right after the colon, for suggesting everything', () => {
    expect(tokenAt('x from:', 7)).toEqual({ key: 'from', value: '', start: 2, end: 7 });
  });

  it('lower-cases the key and strips @ and # from user and channel values', () => {
    expect(tokenAt('FROM:@al', 8)).toEqual({ key: 'from', value: 'al', start: 0, end: 8 });
    expect(tokenAt('mentions:@bo', 12)).toMatchObject({ key: 'mentions', value: 'bo' });
    expect(tokenAt('in:#gen', 7)).toMatchObject({ key: 'in', value: 'gen' });
    expect(tokenAt('HAS:im', 6)).toMatchObject({ key: 'has', value: 'im' });
  });

  it('accepts a half-typed quoted value without throwing', () => {
    expect(tokenAt('in:"general ch', 14)).toEqual({ key: 'in', value: 'general ch', start: 0, end: 14 });
    expect(tokenAt('"hello wor', 10)).toEqual({ key: null, value: 'hello wor', start: 0, end: 10 });
    expect(tokenAt('foo:bar "x', 3)).toEqual({ key: 'foo', value: 'bar', start: 0, end: 7 });
  });

  it('finds a closed quoted value when the cursor is inside it', () => {
    expect(tokenAt('from:"Bob Smith" x', 10)).toEqual({ key: 'from', value: 'Bob Smith', start: 0, end: 16 });
  });

  it('splits tokens exactly as the parser does', () => {
    expect(tokenAt('a"b c', 1)).toEqual({ key: null, value: 'a', start: 0, end: 1 });
    expect(tokenAt('a"b c', 4)).toEqual({ key: null, value: 'b c', start: 1, end: 5 });
    expect(tokenAt('https://exa', 11)).toEqual({ key: null, value: 'https://exa', start: 0, end: 11 });
  });
});

describe('replaceToken', () => {
  it('replaces the token and adds one trailing space, with the cursor after it', () => {
    expect(replaceToken('hello from:ali', { start: 6, end: 14 }, 'from:alice')).toEqual({
      query: 'hello from:alice ',
      cursor: 17,
    });
  });

  it('reuses a space already after the token instead of doubling it', () => {
    expect(replaceToken('from:al hello', { start: 0, end: 7 }, 'from:alice')).toEqual({
      query: 'from:alice hello',
      cursor: 11,
    });
  });

  it('separates the replacement from a token that touched it', () => {
    expect(replaceToken('"a"b', { start: 0, end: 3 }, '"abc"')).toEqual({ query: '"abc" b', cursor: 6 });
  });

  it('completes what tokenAt found into a query that parses', () => {
    const query = 'deploy in:#op';
    const token = tokenAt(query, query.length)!;
    const next = replaceToken(query, token, 'in:"ops team"');
    expect(next).toEqual({ query: 'deploy in:"ops team" ', cursor: 21 });
    expect(parseSearch(next.query).in).toEqual([{ value: 'ops team', kind: 'name', start: 10, end: 20 }]);
  });

  it('rejects a token outside the query', () => {
    expect(() => replaceToken('abc', { start: 2, end: 5 }, 'x')).toThrow(RangeError);
    expect(() => replaceToken('abc', { start: 2, end: 1 }, 'x')).toThrow(RangeError);
    expect(() => replaceToken('abc', { start: -1, end: 1 }, 'x')).toThrow(RangeError);
  });
});
