import { describe, expect, it } from 'vitest';

import { PERMISSIONS } from './bits.ts';
import { isTimedOut, requirePermissions } from './require.ts';

describe('requirePermissions', () => {
  it('passes when every listed permission is held', () => {
    expect(() =>
      requirePermissions(
        PERMISSIONS.VIEW_CHANNEL | PERMISSIONS.SEND_MESSAGES,
        'VIEW_CHANNEL',
        'SEND_MESSAGES',
      ),
    ).not.toThrow();
  });

  it('answers FORBIDDEN naming each missing permission', () => {
    expect(() => requirePermissions(PERMISSIONS.VIEW_CHANNEL, 'SEND_MESSAGES', 'BAN_MEMBERS')).toThrow(
      expect.objectContaining({
        message: 'Missing permissions: SEND_MESSAGES, BAN_MEMBERS.',
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    );
  });
});

describe('isTimedOut', () => {
  const now = new Date('2026-11-21T12:00:00Z');
  it('holds only while the timeout lies in the future', () => {
    expect(isTimedOut(null, now)).toBe(false);
    expect(isTimedOut(new Date('2026-11-21T12:00:01Z'), now)).toBe(true);
    expect(isTimedOut(now, now)).toBe(false);
  });
});
