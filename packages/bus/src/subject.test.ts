import { describe, expect, it } from 'vitest';
import { assertPattern, assertPrefix, assertSubject, subjectMatches } from './subject.ts';

describe('subjectMatches', () => {
  it.each([
    ['a.b', 'a.b', true],
    ['a.b', 'a.b.c', false],
    ['a.b.c', 'a.b', false],
    ['a.*', 'a.b', true],
    ['a.*', 'a', false],
    ['a.*', 'a.b.c', false],
    ['*.b', 'a.b', true],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['a.>', 'a', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['>', 'a', true],
    ['>', 'a.b', true],
    ['a.*.c.>', 'a.b.c.d', true],
    ['a.*.c.>', 'a.b.c', false],
    ['a.b', 'a.bb', false],
  ])('%s vs %s -> %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });
});

describe('validation', () => {
  it('accepts well-formed values', () => {
    expect(() => assertSubject('channel.123.messages')).not.toThrow();
    expect(() => assertPattern('channel.*.messages')).not.toThrow();
    expect(() => assertPattern('>')).not.toThrow();
    expect(() => assertPrefix('gochat_test-1')).not.toThrow();
  });

  it('rejects malformed values', () => {
    expect(() => assertSubject('a..b')).toThrow(/empty token/);
    expect(() => assertSubject('a\tb')).toThrow(/whitespace/);
    expect(() => assertSubject('a.*')).toThrow(/wildcards/);
    expect(() => assertPattern('a.>.b')).toThrow(/Invalid pattern/);
    expect(() => assertPattern('a*')).toThrow(/Invalid pattern/);
    for (const prefix of ['', 'GoChat', 'a.b', 'a b', 'a*', 'a>']) {
      expect(() => assertPrefix(prefix), prefix).toThrow(/Invalid bus prefix/);
    }
  });
});
