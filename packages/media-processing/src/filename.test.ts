import { isDomainError } from '@gochat/errors';
import { describe, expect, it } from 'vitest';

import { checkFilename } from './filename.ts';

function refusal(name: string) {
  try {
    checkFilename(name);
  } catch (error) {
    if (isDomainError(error))
      return { code: error.code, field: error.extensions.field, message: error.message };
    throw error;
  }
  return null;
}

describe('checkFilename', () => {
  it('returns the name NFC-normalised and trimmed', () => {
    expect(checkFilename('  holiday photo.jpg ')).toBe('holiday photo.jpg');
    // "é" as e + combining acute becomes the single code point.
    expect(checkFilename('cafe\u0301.txt')).toBe('caf\u00e9.txt');
    expect(checkFilename('日本語のファイル.pdf')).toBe('日本語のファイル.pdf');
    expect(checkFilename('.bashrc')).toBe('.bashrc');
    expect(checkFilename('a..b')).toBe('a..b');
  });

  it('accepts 255 characters, counted as code points, and refuses 256', () => {
    expect(checkFilename('a'.repeat(255))).toHaveLength(255);
    // 255 emoji are 510 UTF-16 units but 255 characters.
    expect(checkFilename('😀'.repeat(255))).toHaveLength(510);
    expect(refusal('a'.repeat(256))).toMatchObject({ code: 'VALIDATION', field: 'filename' });
  });

  it.each([
    ['empty', ''],
    ['blank', '   '],
    ['a slash', 'dir/file.txt'],
    ['a backslash', '..\\evil.txt'],
    ['a NUL', 'file\u0000.txt'],
    ['a newline', 'file\n.txt'],
    ['a trailing newline (not trimmed away)', 'file.txt\n'],
    ['a tab', 'a\tb.txt'],
    ['DEL', 'a\u007f.txt'],
    ['a C1 control', 'a\u0085.txt'],
    ['a right-to-left override', 'invoice\u202efdp.exe'],
    ['a left-to-right embedding', 'a\u202ab.txt'],
    ['a first-strong isolate', 'a\u2068b.txt'],
    ['a pop-directional isolate', 'a\u2069b.txt'],
    ['a right-to-left mark', 'a\u200fb.txt'],
    ['a left-to-right mark', 'a\u200eb.txt'],
    ['an Arabic letter mark', 'a\u061cb.txt'],
    ['only a dot', '.'],
    ['only dots', '..'],
    ['only dots, padded', ' ... '],
  ])('refuses a name with %s', (_, name) => {
    expect(refusal(name)).toMatchObject({ code: 'VALIDATION', field: 'filename' });
  });
});
