import {
  account as accountTable,
  blocks,
  friendRequests,
  friendships,
  guilds,
  profileImages,
  session,
  twoFactor,
  uploads,
  user,
  userSettings,
} from '@gochat/drizzle';
import type { Identity } from '@gochat/identity';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq, or } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { deletedEmail } from './store/deletion.ts';
import { openAccountsHarness } from './test-harness.ts';

const DELETE = 'mutation($password: String!) { deleteAccount(password: $password) }';
const USER = 'query($id: ID!) { user(id: $id) { id displayName handle deleted } }';
const EXPORT = '{ myDataExport { userId generatedAt account } }';
const ENTITIES =
  'query($r: [_Any!]!) { _entities(representations: $r) { ... on DataExport { userId account } } }';

interface AccountDocument {
  profile: { id: string; displayName: string; handle: string | null; email: string };
  settings: { version: number; document: Record<string, unknown> } | null;
  relationships: { userId: string; displayName: string | null; status: string }[];
}

await describeOnBothDatabases('account deletion and data export', openAccountsHarness, (h) => {
  let clients = 0;
  /** A distinct client address per account, so the per-address auth limits never interfere. */
  const client = (): Identity => ({ kind: 'anonymous', ip: `10.9.${clients >> 8}.${clients++ & 255}` });
  const post = (who: Identity, path: string, body: unknown) =>
    h.fetch(who, `/api/auth${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** A verified account with a password and a handle, made over REST as a client would. */
  async function account(name = 'Doomed') {
    const who = client();
    const email = `del-${crypto.randomUUID()}@harness.test`;
    const password = 'correct horse battery';
    const handle = `d_${crypto.randomUUID().slice(0, 8)}`;
    const signUp = await post(who, '/sign-up/email', { email, password, name, handle });
    expect(signUp.status).toBe(200);
    const { user: created } = (await signUp.json()) as { user: { id: string } };
    await h.db.update(user).set({ emailVerified: true }).where(eq(user.id, created.id));
    const me: Identity = { kind: 'user', userId: created.id, ip: who.kind === 'anonymous' ? who.ip : '' };
    return { who, me, email, password, handle, userId: created.id };
  }
  /** Signs in over REST, as the web client does; the HTTP status. */
  const signIn = async (a: { who: Identity; email: string; password: string }) =>
    (await post(a.who, '/sign-in/email', { email: a.email, password: a.password })).status;
  const rowsOf = async (userId: string) => ({
    user: (await h.db.select().from(user).where(eq(user.id, userId)))[0],
    avatar: await h.db.select().from(profileImages).where(eq(profileImages.subjectId, userId)),
    avatarStates: (
      await h.db.select({ state: uploads.state }).from(uploads).where(eq(uploads.targetId, userId))
    ).map((u) => u.state),
    sessions: await h.db.select({ id: session.id }).from(session).where(eq(session.userId, userId)),
    accounts: await h.db.select().from(accountTable).where(eq(accountTable.userId, userId)),
    twoFactor: await h.db.select().from(twoFactor).where(eq(twoFactor.userId, userId)),
    settings: await h.db.select().from(userSettings).where(eq(userSettings.userId, userId)),
    friends: await h.db
      .select()
      .from(friendships)
      .where(or(eq(friendships.userId, userId), eq(friendships.friendId, userId))),
    requests: await h.db
      .select()
      .from(friendRequests)
      .where(or(eq(friendRequests.senderId, userId), eq(friendRequests.recipientId, userId))),
    blocks: await h.db
      .select()
      .from(blocks)
      .where(or(eq(blocks.blockerId, userId), eq(blocks.blockedId, userId))),
  });

  /** An account with everything deletion must erase: sessions, 2FA, settings, a friend, a request, a block. */
  async function livedIn() {
    const a = await account();
    expect(await signIn(a)).toBe(200);
    expect(await signIn(a)).toBe(200);
    const friend = await h.createUser('Friend', `f_${crypto.randomUUID().slice(0, 8)}`);
    const asker = await h.createUser('Asker', `a_${crypto.randomUUID().slice(0, 8)}`);
    const blocker = await h.createUser('Blocker', `b_${crypto.randomUUID().slice(0, 8)}`);
    const stranger = await h.createUser('Stranger', `s_${crypto.randomUUID().slice(0, 8)}`);
    await h.db.insert(friendships).values([
      { userId: a.userId, friendId: friend },
      { userId: friend, friendId: a.userId },
    ]);
    await h.db.insert(friendRequests).values({ senderId: asker, recipientId: a.userId });
    await h.db.insert(blocks).values({ blockerId: blocker, blockedId: a.userId });
    // Two strangers' relationship: neither the export nor the deletion may touch it.
    await h.db.insert(blocks).values({ blockerId: stranger, blockedId: friend });
    await h.db
      .insert(twoFactor)
      .values({ id: h.ids.next(), secret: 's', backupCodes: 'c', userId: a.userId });
    await h.db.insert(userSettings).values({ userId: a.userId, version: 3, document: { theme: 'dark' } });
    // The current avatar and an earlier one: personal data the media janitor deletes once released.
    const avatars = [h.ids.next(), h.ids.next()];
    await h.db.insert(uploads).values(
      avatars.map((id) => ({
        id,
        ownerId: a.userId,
        kind: 'avatar',
        state: 'ready',
        filename: 'me.png',
        declaredType: 'image/png',
        size: 10,
        targetId: a.userId,
        expiresAt: new Date(Date.now() + 3_600_000),
        usedAt: new Date(),
      })),
    );
    await h.db.insert(profileImages).values({ subjectId: a.userId, slot: 'avatar', uploadId: avatars[0]! });
    return { ...a, friend, asker, blocker, stranger };
  }

  it('a wrong password is VALIDATION (field password) and changes nothing', async () => {
    const a = await livedIn();
    const before = await rowsOf(a.userId);
    for (const password of ['wrong password here', '', 'x'.repeat(500)]) {
      const refused = await h.as(a.me, DELETE, { password });
      expect(codeOf(refused)).toBe('VALIDATION');
      expect(refused.errors?.[0]?.extensions).toMatchObject({ field: 'password' });
    }
    expect(await rowsOf(a.userId)).toEqual(before);
    expect(codeOf(await h.as(undefined, DELETE, { password: a.password }))).toBe('UNAUTHENTICATED');
  });

  it('a guild owner is refused with CONFLICT naming the guilds, and nothing changes', async () => {
    const a = await livedIn();
    const guildId = h.ids.next();
    await h.db.insert(guilds).values({ id: guildId, name: 'Mine', ownerId: a.userId });
    const before = await rowsOf(a.userId);
    const refused = await h.as(a.me, DELETE, { password: a.password });
    expect(codeOf(refused)).toBe('CONFLICT');
    expect(refused.errors?.[0]?.extensions).toMatchObject({ ownedGuildIds: [guildId] });
    expect(await rowsOf(a.userId)).toEqual(before);
  });

  it('scrubs the profile, erases the rest, announces it, and the account never signs in again', async () => {
    const a = await livedIn();
    const sessions = (await rowsOf(a.userId)).sessions.map((s) => s.id).sort();
    expect(sessions).toHaveLength(2);

    expect(await h.ok(a.me, DELETE, { password: a.password })).toEqual({ deleteAccount: true });

    const after = await rowsOf(a.userId);
    expect(after.user).toMatchObject({
      name: 'Deleted User',
      handle: null,
      email: deletedEmail(a.userId),
      emailVerified: false,
      image: null,
    });
    expect(after.user?.deletedAt).toBeInstanceOf(Date);
    expect({ ...after, user: undefined }).toEqual({
      user: undefined,
      avatar: [],
      avatarStates: ['released', 'released'],
      sessions: [],
      accounts: [],
      twoFactor: [],
      settings: [],
      friends: [],
      requests: [],
      blocks: [],
    });
    // The strangers' block is theirs.
    expect(await h.db.select().from(blocks).where(eq(blocks.blockerId, a.stranger))).toHaveLength(1);

    // Others see "Deleted User" with no handle; its old handle finds nobody.
    expect(await h.ok(a.friend, USER, { id: a.userId })).toEqual({
      user: { id: a.userId, displayName: 'Deleted User', handle: null, deleted: true },
    });
    expect(
      await h.ok(a.friend, 'query($h: String!) { userByHandle(handle: $h) { id } }', { h: a.handle }),
    ).toEqual({ userByHandle: null });

    await h.flush();
    const mine = h.events.events.filter((e) =>
      [a.userId, a.friend, a.asker, a.blocker].some((id) => e.subject === `user.${id}`),
    );
    const types = (subject: string) => mine.filter((e) => e.subject === subject).map((e) => e.type);
    expect(
      mine
        .filter((e) => e.type === 'SessionRevoked')
        .map((e) => e.data.sessionId)
        .sort(),
    ).toEqual(sessions);
    expect(types(`user.${a.userId}`)).toEqual(expect.arrayContaining(['UserUpdated', 'UserDeleted']));
    expect(types(`user.${a.friend}`)).toContain('FriendRemoved');
    expect(types(`user.${a.asker}`)).toContain('FriendRequestDeleted');
    expect(types(`user.${a.blocker}`)).toContain('UserUnblocked');

    // Neither the old credentials nor a second deletion get anywhere.
    expect(await signIn(a)).toBe(401);
    expect(codeOf(await h.as(a.me, DELETE, { password: a.password }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await h.as(a.me, EXPORT))).toBe('UNAUTHENTICATED');
    // The address and the handle are free again: a new account, not the old one.
    const again = await post(client(), '/sign-up/email', {
      email: a.email,
      password: a.password,
      name: 'Reborn',
      handle: a.handle,
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { user: { id: string } }).user.id).not.toBe(a.userId);
  });

  it("the data export holds the caller's profile, settings and relationships, and nobody else's", async () => {
    const a = await livedIn();
    const { myDataExport } = await h.ok<{
      myDataExport: { userId: string; generatedAt: string; account: string };
    }>(a.me, EXPORT);
    expect(myDataExport.userId).toBe(a.userId);
    const doc = JSON.parse(myDataExport.account) as AccountDocument;
    expect(doc.profile).toMatchObject({
      id: a.userId,
      displayName: 'Doomed',
      handle: a.handle,
      email: a.email,
    });
    expect(doc.settings).toEqual({ version: 3, document: { theme: 'dark' } });
    expect(doc.relationships.map((r) => [r.userId, r.status, r.displayName]).sort()).toEqual(
      [
        [a.friend, 'FRIEND', 'Friend'],
        [a.asker, 'INCOMING_REQUEST', 'Asker'],
      ].sort(),
    );
    // The strangers' block is not the caller's, and appears nowhere in the document.
    expect(myDataExport.account).not.toContain(a.stranger);

    // Another user's export cannot be had by naming it as an entity.
    const other = await h.as(a.friend, ENTITIES, { r: [{ __typename: 'DataExport', userId: a.userId }] });
    expect(codeOf(other)).toBe('FORBIDDEN');
    expect(JSON.stringify(other.data ?? null)).not.toContain(a.email);
    expect(codeOf(await h.as(undefined, EXPORT))).toBe('UNAUTHENTICATED');
  });
});
