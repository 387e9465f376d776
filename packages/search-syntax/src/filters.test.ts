import { describe, expect, it } from 'vitest';

import { parseSearch } from './parse.ts';
import { errorOf } from './test-helpers.ts';

const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`);

describe('parseSearch: from and mentions', () => {
  it('reads every user form, with the offsets of the value', () => {
    expect(parseSearch('from:alice').from).toEqual([{ value: 'alice', kind: 'name', start: 5, end: 10 }]);
    expect(parseSearch('from:@alice').from).toEqual([{ value: 'alice', kind: 'name', start: 5, end: 11 }]);
    expect(parseSearch('from:"Display  Name"').from).toEqual([
      { value: 'Display Name', kind: 'name', start: 5, end: 20 },
    ]);
    expect(parseSearch('from:<@123>').from).toEqual([{ value: '123', kind: 'id', start: 5, end: 11 }]);
    expect(parseSearch('from:<@!123>').from).toEqual([{ value: '123', kind: 'id', start: 5, end: 12 }]);
  });

  it('matches keys case-insensitively and keeps the value as written', () => {
    expect(parseSearch('FROM:Bob From:"Ann"').from.map((ref) => ref.value)).toEqual(['Bob', 'Ann']);
  });

  it('keeps a quoted @ and a malformed id as names', () => {
    expect(parseSearch('from:"@bob" from:<@abc>').from).toEqual([
      { value: '@bob', kind: 'name', start: 5, end: 11 },
      { value: '<@abc>', kind: 'name', start: 17, end: 23 },
    ]);
  });

  it('reads mentions in the same forms', () => {
    expect(parseSearch('mentions:carol mentions:<@!42>')).toMatchObject({
      mentions: [
        { value: 'carol', kind: 'name', start: 9, end: 14 },
        { value: '42', kind: 'id', start: 24, end: 30 },
      ],
      mentionsEveryone: false,
    });
  });

  it('reads mentions:everyone and mentions:here as the flag, not a user', () => {
    for (const query of ['mentions:everyone', 'mentions:@here', 'MENTIONS:Everyone']) {
      expect(parseSearch(query)).toMatchObject({ mentions: [], mentionsEveryone: true });
    }
    // Quoted, it is somebody's display name.
    expect(parseSearch('mentions:"everyone"')).toMatchObject({
      mentions: [{ value: 'everyone', kind: 'name', start: 9, end: 19 }],
      mentionsEveryone: false,
    });
  });

  it('does not turn filter values into search words', () => {
    expect(parseSearch('from:alice hi')).toMatchObject({ terms: ['hi'], phrases: [], excluded: [] });
  });
});

describe('parseSearch: in, has and pinned', () => {
  it('reads every channel form', () => {
    expect(parseSearch('in:#general in:random in:"general  chat" in:<#99>').in).toEqual([
      { value: 'general', kind: 'name', start: 3, end: 11 },
      { value: 'random', kind: 'name', start: 15, end: 21 },
      { value: 'general chat', kind: 'name', start: 25, end: 40 },
      { value: '99', kind: 'id', start: 44, end: 49 },
    ]);
  });

  it('reads has: values case-insensitively, deduplicated in first-given order', () => {
    expect(parseSearch('has:image has:LINK has:image has:"file" has:video has:embed').has).toEqual([
      'image',
      'link',
      'file',
      'video',
      'embed',
    ]);
  });

  it('reads pinned:true and pinned:false, and allows repeating the same value', () => {
    expect(parseSearch('pinned:true').pinned).toBe(true);
    expect(parseSearch('pinned:FALSE').pinned).toBe(false);
    expect(parseSearch('pinned:true x').pinned).toBe(true);
    expect(parseSearch('x').pinned).toBeUndefined();
  });

  it('parses a query mixing everything', () => {
    expect(
      parseSearch('deploy from:alice in:#ops has:link -staging before:2026-02-01 "Error 500" pinned:false'),
    ).toEqual({
      terms: ['deploy'],
      phrases: ['error 500'],
      excluded: ['staging'],
      from: [{ value: 'alice', kind: 'name', start: 12, end: 17 }],
      mentions: [],
      mentionsEveryone: false,
      in: [{ value: 'ops', kind: 'name', start: 21, end: 25 }],
      has: ['link'],
      before: day('2026-02-01'),
      pinned: false,
    });
  });
});

describe('parseSearch: dates', () => {
  it('before: is the start of the day, after: the end of it, during: the day itself (UTC)', () => {
    expect(parseSearch('before:2026-03-10')).toMatchObject({ before: day('2026-03-10') });
    expect(parseSearch('before:2026-03-10').after).toBeUndefined();
    expect(parseSearch('after:2026-03-10')).toMatchObject({ after: day('2026-03-11') });
    expect(parseSearch('after:2026-03-10').before).toBeUndefined();
    expect(parseSearch('during:2026-03-10')).toMatchObject({
      after: day('2026-03-10'),
      before: day('2026-03-11'),
    });
    expect(parseSearch('during:2026-12-31')).toMatchObject({ before: day('2027-01-01') });
  });

  it('intersects several date filters: the latest after and the earliest before', () => {
    const query = 'after:2026-01-01 after:2026-02-01 before:2026-06-01 before:2026-03-01';
    expect(parseSearch(query)).toMatchObject({ after: day('2026-02-02'), before: day('2026-03-01') });
    expect(parseSearch('during:2026-03-10 before:2026-12-01 after:2020-01-01')).toMatchObject({
      after: day('2026-03-10'),
      before: day('2026-03-11'),
    });
    expect(parseSearch('after:2026-01-01 before:2026-01-03')).toMatchObject({
      after: day('2026-01-02'),
      before: day('2026-01-03'),
    });
  });

  it('accepts leap days and the ends of the year range', () => {
    expect(parseSearch('during:2024-02-29').after).toEqual(day('2024-02-29'));
    expect(parseSearch('after:2015-01-01').after).toEqual(day('2015-01-02'));
    expect(parseSearch('before:2100-12-31').before).toEqual(day('2100-12-31'));
    expect(parseSearch('before:"2026-01-05"').before).toEqual(day('2026-01-05'));
  });

  it('rejects dates that leave no time between them, at the filter that closed the gap', () => {
    expect(errorOf('after:2026-01-01 before:2026-01-02')).toEqual({
      message: 'dates leave no time between them at 17',
      token: 'before:2026-01-02',
      start: 17,
      end: 34,
    });
    expect(errorOf('during:2026-01-01 during:2026-01-02')).toEqual({
      message: 'dates leave no time between them at 18',
      token: 'during:2026-01-02',
      start: 18,
      end: 35,
    });
  });

  it('rejects values that are not YYYY-MM-DD', () => {
    expect(errorOf('before:2026-1-5')).toEqual({
      message: "before: expects a date like 2026-01-31, not '2026-1-5' at 7",
      token: '2026-1-5',
      start: 7,
      end: 15,
    });
    for (const value of ['yesterday', '2026/01/05', '05-01-2026', '2026-01-05T10:00', '２０２６-01-05']) {
      expect(errorOf(`after:${value}`).message).toMatch(/^after: expects a date like 2026-01-31/);
    }
  });

  it('rejects dates that are not on the calendar', () => {
    expect(errorOf('x during:2026-02-30')).toEqual({
      message: "no such date '2026-02-30' at 9",
      token: '2026-02-30',
      start: 9,
      end: 19,
    });
    for (const value of [
      '2025-02-29',
      '2100-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-01-00',
    ]) {
      expect(errorOf(`before:${value}`).message).toBe(`no such date '${value}' at 7`);
    }
  });

  it('rejects years outside 2015..2100', () => {
    expect(errorOf('after:2014-12-31')).toEqual({
      message: "date out of range '2014-12-31' at 6",
      token: '2014-12-31',
      start: 6,
      end: 16,
    });
    expect(errorOf('before:2101-01-01').message).toBe("date out of range '2101-01-01' at 7");
  });
});

describe('parseSearch: filter errors', () => {
  it('rejects unknown letter keys, pointing at the key', () => {
    expect(errorOf('hello world foo:bar')).toEqual({
      message: "unknown filter 'foo:' at 12",
      token: 'foo:',
      start: 12,
      end: 16,
    });
    expect(errorOf('Foo:bar')).toMatchObject({ message: "unknown filter 'Foo:' at 0", token: 'Foo:' });
    // A word ending in a colon is read as a filter key too.
    expect(errorOf('note:')).toMatchObject({ message: "unknown filter 'note:' at 0", token: 'note:' });
  });

  it('rejects a filter without a value', () => {
    expect(errorOf('from:')).toEqual({
      message: 'from: needs a value at 0',
      token: 'from:',
      start: 0,
      end: 5,
    });
    expect(errorOf('x IN: y')).toEqual({ message: 'in: needs a value at 2', token: 'IN:', start: 2, end: 5 });
    expect(errorOf('from:""')).toEqual({
      message: 'from: needs a value at 0',
      token: 'from:""',
      start: 0,
      end: 7,
    });
    expect(errorOf('mentions:"  "')).toMatchObject({ message: 'mentions: needs a value at 0' });
    expect(errorOf('from:@')).toMatchObject({ message: 'from: needs a value at 0', token: 'from:@' });
    expect(errorOf('in:#')).toMatchObject({ message: 'in: needs a value at 0', token: 'in:#' });
    expect(errorOf('has:')).toMatchObject({ message: 'has: needs a value at 0' });
    expect(errorOf('before:')).toMatchObject({ message: 'before: needs a value at 0' });
  });

  it('rejects an excluded filter rather than searching for its words', () => {
    expect(errorOf('-from:alice')).toEqual({
      message: "filters can't be excluded: '-from:' at 0",
      token: '-from:',
      start: 0,
      end: 6,
    });
  });

  it('rejects unknown has: values, listing the allowed ones', () => {
    expect(errorOf('has:gif')).toEqual({
      message: "has: expects link, file, image, video or embed, not 'gif' at 4",
      token: 'gif',
      start: 4,
      end: 7,
    });
  });

  it('rejects pinned: values other than true or false, and contradicting ones', () => {
    expect(errorOf('pinned:yes')).toEqual({
      message: "pinned: expects true or false, not 'yes' at 7",
      token: 'yes',
      start: 7,
      end: 10,
    });
    expect(errorOf('pinned:true pinned:false')).toEqual({
      message: 'pinned: conflicts with the earlier pinned:true at 12',
      token: 'pinned:false',
      start: 12,
      end: 24,
    });
  });
});
