import { createVerifiedUser, freePort, logMailbox, startGochat, type GochatProcess } from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { settingsFlow } from './settings-flow.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, UNLIMITED_WRITES, tempConfig } from './support.ts';

/** Synced settings in embedded mode: one process, the in-memory bus and presence store. */
describe('settings, embedded', () => {
  let gochat: GochatProcess;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS, UNLIMITED_WRITES);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
  });

  afterAll(async () => {
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  it('two devices see each other’s changes live; mutes, hidden DMs and the forced status apply', async () => {
    const mailbox = logMailbox(gochat);
    const [owner, me] = await Promise.all(
      ['Olive', 'Milo'].map((displayName) => createVerifiedUser(gochat.url, mailbox, { displayName })),
    );
    await settingsFlow({ a: gochat.url, b: gochat.url }, { owner: owner!, me: me! });
  }, 60_000);
});
