import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { exactLength, LengthMismatch } from './exact-length.ts';
import { parseRange } from './range.ts';

describe('parseRange', () => {
  it.each([
    [undefined, 10, { kind: 'none' }],
    ['bytes=0-0', 10, { kind: 'range', start: 0, end: 0 }],
    ['bytes=3-', 10, { kind: 'range', start: 3, end: 9 }],
    ['bytes=-4', 10, { kind: 'range', start: 6, end: 9 }],
    ['bytes=-40', 10, { kind: 'range', start: 0, end: 9 }],
    ['bytes=5-500', 10, { kind: 'range', start: 5, end: 9 }],
    ['bytes=10-', 10, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-1', 0, { kind: 'unsatisfiable' }],
    ['bytes=-0', 10, { kind: 'unsatisfiable' }],
    ['bytes=4-3', 10, { kind: 'none' }],
    ['bytes=-', 10, { kind: 'none' }],
    ['bytes=0-1,3-4', 10, { kind: 'none' }],
    ['bytes=99999999999999999999-', 10, { kind: 'none' }],
    ['lines=0-1', 10, { kind: 'none' }],
  ] as const)('%s of %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('exactLength', () => {
  const run = (chunks: string[], expected: number) =>
    pipeline(
      Readable.from(chunks.map((c) => Buffer.from(c))),
      exactLength(expected),
      async function* (source) {
        for await (const _ of source as AsyncIterable<Buffer>) yield;
      },
    );

  it('passes exactly the expected length', async () => {
    await expect(run(['hel', 'lo'], 5)).resolves.toBeUndefined();
  });

  it('fails as soon as more bytes arrive, and at the end when fewer did', async () => {
    await expect(run(['hel', 'lo!', 'never read'], 5)).rejects.toBeInstanceOf(LengthMismatch);
    await expect(run(['hel'], 5)).rejects.toThrow('body has 3 bytes, 5 were signed');
  });
});
