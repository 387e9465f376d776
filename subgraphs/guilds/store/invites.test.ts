import { describe, expect, it } from 'vitest';

import { INVITE_CODE_ALPHABET, generateInviteCode, isInviteCode } from './invites.ts';

describe('generateInviteCode', () => {
  it('draws 8 characters of [A-Za-z0-9]', () => {
    for (let i = 0; i < 200; i++) {
      const code = generateInviteCode();
      expect(code).toMatch(/^[A-Za-z0-9]{8}$/);
      expect(isInviteCode(code)).toBe(true);
    }
  });

  it('maps each random draw over the whole 62-character alphabet', () => {
    expect(INVITE_CODE_ALPHABET).toHaveLength(62);
    expect(new Set(INVITE_CODE_ALPHABET).size).toBe(62);
    const bounds: number[] = [];
    let next = 0;
    const code = generateInviteCode((max) => {
      bounds.push(max);
      return [0, 25, 26, 51, 52, 61, 1, 60][next++]!;
    });
    expect(bounds).toEqual(Array(8).fill(62));
    expect(code).toBe('AZaz09B8');
  });

  it('is not predictable: codes rarely repeat', () => {
    const codes = new Set(Array.from({ length: 2000 }, () => generateInviteCode()));
    expect(codes.size).toBe(2000);
  });
});

describe('isInviteCode', () => {
  it('accepts exactly 8 letters and digits', () => {
    expect(isInviteCode('Ab3dE6g8')).toBe(true);
    for (const bad of ['', 'Ab3dE6g', 'Ab3dE6g89', 'Ab3dE6g-', 'Ab3dE6 8', 'Äb3dE6g8'])
      expect(isInviteCode(bad), bad).toBe(false);
  });
});
