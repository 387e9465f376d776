import { DomainError } from '@gochat/errors';
import { describe, expect, it } from 'vitest';

import { emojiKey, emojiOfKey, isUnicodeEmoji, parseEmoji } from './emoji-key.ts';

const errorOf = (run: () => unknown): unknown => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error;
  }
};
const codeOf = (run: () => unknown): string => {
  const error = errorOf(run);
  return error === undefined ? 'OK' : error instanceof DomainError ? error.code : 'THREW';
};

describe('isUnicodeEmoji', () => {
  it.each([
    ['thumbs up', '👍'],
    ['with skin tone', '👍🏽'],
    ['with presentation selector', '❤️'],
    ['text-default symbol', '©️'],
    ['flag', '🇫🇷'],
    ['keycap', '1️⃣'],
    ['keycap without selector', '#⃣'],
    ['family ZWJ sequence', '👨‍👩‍👧‍👦'],
    ['ZWJ with skin tones', '🫱🏻‍🫲🏿'],
    ['profession with skin tone', '👩🏽‍💻'],
    ['transgender flag', '🏳️‍⚧️'],
    ['subdivision flag (tag sequence)', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  ])('accepts %s', (_, text) => expect(isUnicodeEmoji(text)).toBe(true));

  it.each([
    ['empty', ''],
    ['plain text', 'abc'],
    ['a digit', '1'],
    ['a hash', '#'],
    ['two emoji', '👍👍'],
    ['emoji and text', 'a👍'],
    ['leading space', ' 👍'],
    ['a lone skin tone', '🏽'],
    ['a lone regional indicator', '🇫'],
    ['three regional indicators', '🇫🇷🇫'],
    ['a lone ZWJ', '\u200D'],
    ['a dangling ZWJ', '👍\u200D'],
    ['a custom emoji markup', '<:blob:123>'],
  ])('refuses %s', (_, text) => expect(isUnicodeEmoji(text)).toBe(false));

  it('refuses sequences over 32 code points', () => {
    const long = Array.from({ length: 17 }, () => '👍').join('\u200D'); // 33 code points
    expect([...long].length).toBe(33);
    expect(isUnicodeEmoji(long)).toBe(false);
    const fits = Array.from({ length: 16 }, () => '👍').join('\u200D'); // 31 code points
    expect(isUnicodeEmoji(fits)).toBe(true);
  });
});

describe('parseEmoji', () => {
  it('takes exactly one of unicode and emojiId', () => {
    expect(parseEmoji({ unicode: '👍' })).toEqual({ unicode: '👍', emojiId: null });
    expect(parseEmoji({ emojiId: '123456789012345678', unicode: null })).toEqual({
      unicode: null,
      emojiId: '123456789012345678',
    });
    expect(codeOf(() => parseEmoji({}))).toBe('VALIDATION');
    expect(codeOf(() => parseEmoji({ unicode: null, emojiId: null }))).toBe('VALIDATION');
    expect(codeOf(() => parseEmoji({ unicode: '👍', emojiId: '123456789012345678' }))).toBe('VALIDATION');
  });

  it('refuses text that is not an emoji and ids that are not snowflakes, naming the field', () => {
    expect(codeOf(() => parseEmoji({ unicode: 'abc' }))).toBe('VALIDATION');
    expect(codeOf(() => parseEmoji({ unicode: '' }))).toBe('VALIDATION');
    expect(codeOf(() => parseEmoji({ emojiId: 'blob' }))).toBe('VALIDATION');
    expect((errorOf(() => parseEmoji({ unicode: 'abc' })) as DomainError).extensions).toMatchObject({
      field: 'emoji.unicode',
    });
    expect((errorOf(() => parseEmoji({}, 'reaction')) as DomainError).extensions).toMatchObject({
      field: 'reaction',
    });
  });
});

describe('emojiKey', () => {
  it('prefixes unicode with u: and custom ids with c:, and reads them back', () => {
    const thumbs = { unicode: '👍', emojiId: null };
    const custom = { unicode: null, emojiId: '123456789012345678' };
    expect(emojiKey(thumbs)).toBe('u:👍');
    expect(emojiKey(custom)).toBe('c:123456789012345678');
    expect(emojiOfKey(emojiKey(thumbs))).toEqual(thumbs);
    expect(emojiOfKey(emojiKey(custom))).toEqual(custom);
    expect(() => emojiOfKey('x:1')).toThrow();
  });
});
