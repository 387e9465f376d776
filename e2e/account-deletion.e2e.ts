import { freePort, logMailbox, startGochat } from '@gochat/testkit';
import { describe, expect } from 'vitest';

import { accountDeletionScenario } from './account-deletion-flow.ts';
import { RELAXED_LIMITS, SECRETS, tempConfig } from './support.ts';

/** Account deletion end to end in one process: the guilds role hears UserDeleted on the in-process bus. */
describe('account deletion, end to end (embedded)', () => {
  accountDeletionScenario(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS);
    const gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    return {
      url: gochat.url,
      mailbox: logMailbox(gochat),
      stop: async () => expect(await gochat.stop()).toBe(0),
    };
  });
});
