import { CUSTOM_STATUS_MAX_LENGTH } from '@gochat/presence';
import { CUSTOM_STATUS_MAX } from '@gochat/user-settings';
import { expect, it } from 'vitest';

// The router hands the settings' custom status to presence (connections.ts): were presence to keep
// less, a status saved in settings would be refused by updatePresence or shown cut.
it('presence keeps as long a custom status as settings allow (255, issue 18)', () => {
  expect(CUSTOM_STATUS_MAX_LENGTH).toBe(CUSTOM_STATUS_MAX);
  expect(CUSTOM_STATUS_MAX_LENGTH).toBe(255);
});
