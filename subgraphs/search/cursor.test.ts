import { describe, expect, it } from 'vitest';

import { MAX_OFFSET, decodeCursor, encodeCursor, nextCursor } from './cursor.ts';

const code = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'OK';
};

describe('search cursors', () => {
  it('round-trips the cursor of each sort', () => {
    expect(decodeCursor(encodeCursor('newest', { kind: 'id', id: '123' }), 'newest')).toEqual({
      kind: 'id',
      id: '123',
    });
    expect(decodeCursor(encodeCursor('relevance', { kind: 'offset', offset: 25 }), 'relevance')).toEqual({
      kind: 'offset',
      offset: 25,
    });
    // Relevance over filters only pages by time.
    expect(decodeCursor(encodeCursor('relevance', { kind: 'id', id: '9' }), 'relevance')).toEqual({
      kind: 'id',
      id: '9',
    });
  });

  it('refuses forged, foreign and mismatched cursors as VALIDATION', () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(code(() => decodeCursor('not a cursor!', 'newest'))).toBe('VALIDATION');
    expect(code(() => decodeCursor(b64({ v: 1, s: 'newest', id: '-1' }), 'newest'))).toBe('VALIDATION');
    expect(code(() => decodeCursor(b64({ v: 1, s: 'newest', id: '5' }), 'oldest'))).toBe('VALIDATION');
    expect(code(() => decodeCursor(b64({ v: 1, s: 'relevance', o: MAX_OFFSET + 1 }), 'relevance'))).toBe(
      'VALIDATION',
    );
    expect(code(() => decodeCursor(b64({ v: 1, s: 'newest', o: 5 }), 'newest'))).toBe('VALIDATION');
    expect(code(() => decodeCursor(b64({ v: 1, s: 'relevance', id: '5', o: 5 }), 'relevance'))).toBe(
      'VALIDATION',
    );
    expect(code(() => decodeCursor(b64({ v: 1, s: 'newest', id: '5', extra: 1 }), 'newest'))).toBe(
      'VALIDATION',
    );
    expect(code(() => decodeCursor('x'.repeat(500), 'newest'))).toBe('VALIDATION');
  });

  it('stops relevance paging at the deepest offset', () => {
    expect(nextCursor('relevance', { kind: 'offset', offset: MAX_OFFSET + 25 })).toBeNull();
    expect(nextCursor('newest', null)).toBeNull();
  });
});
