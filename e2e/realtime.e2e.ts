import {
  SignOutDocument,
  ViewerFeedDocument,
  createVerifiedUser,
  freePort,
  gqlOk,
  logMailbox,
  startGochat,
  wsConnect,
  type GochatProcess,
  type TestUser,
} from '@gochat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { realtimeFlow } from './realtime-flow.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_SENDS, tempConfig } from './support.ts';

/** Real time in embedded mode: one process, the in-memory bus log and presence store. */
describe('real time, embedded', () => {
  let gochat: GochatProcess;
  let users: TestUser[];

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + UNLIMITED_SENDS);
    gochat = await startGochat({
      env: {
        DATA_DIR: dir,
        PORT: String(await freePort()),
        GOCHAT_CONFIG: file,
        MAX_CONNECTIONS_PER_USER: '8',
        ...SECRETS,
      },
    });
    const mailbox = logMailbox(gochat);
    users = await Promise.all(
      ['Alice', 'Bob', 'Carol', 'Dave', 'Erin'].map((displayName) =>
        createVerifiedUser(gochat.url, mailbox, { displayName }),
      ),
    );
  });

  afterAll(async () => {
    expect(await gochat.stop('SIGTERM')).toBe(0);
  });

  it('runs the feeds: messages, typing, access changes, presence across devices, resume', async () => {
    const [alice, bob, carol, dave] = users as [TestUser, TestUser, TestUser, TestUser];
    await realtimeFlow({ a: gochat.url, b: gochat.url }, { alice, bob, carol, dave });
  });

  it('closes a connection over the per-user limit with 4429, and every socket of a signed-out session with 4410', async () => {
    const erin = users[4]!;
    const sockets = Array.from({ length: 8 }, () => wsConnect(gochat.url, erin.jwt));
    for (const s of sockets) s.subscribe(ViewerFeedDocument, {});
    // Presence registers each device in the background: wait until all 8 count.
    await new Promise((r) => setTimeout(r, 1_000));
    const ninth = wsConnect(gochat.url, erin.jwt);
    expect((await ninth.waitForClose()).code).toBe(4429);

    await gqlOk(gochat.url, SignOutDocument, {}, erin.jwt);
    const closes = await Promise.all(sockets.map((s) => s.waitForClose()));
    expect(closes.map((c) => c.code)).toEqual(Array.from({ length: 8 }, () => 4410));
    await Promise.all([...sockets, ninth].map((s) => s.dispose()));
  });
});
