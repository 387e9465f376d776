import { blocks, friendRequests, friendships } from '@gochat/drizzle';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { eq, or } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { openAccountsHarness } from './test-harness.ts';

const REL = 'user { id handle } status since';
const LIST = `query($status: RelationshipStatus) { relationships(status: $status) { ${REL} } }`;
const SEND = `mutation($handle: String!) { sendFriendRequest(handle: $handle) { ${REL} } }`;
const ACCEPT = `mutation($userId: ID!) { acceptFriendRequest(userId: $userId) { ${REL} } }`;
const DECLINE = `mutation($userId: ID!) { declineFriendRequest(userId: $userId) { ${REL} } }`;
const REMOVE = `mutation($userId: ID!) { removeFriend(userId: $userId) { ${REL} } }`;
const BLOCK = `mutation($userId: ID!) { blockUser(userId: $userId) { ${REL} } }`;
const UNBLOCK = `mutation($userId: ID!) { unblockUser(userId: $userId) { ${REL} } }`;

interface Rel {
  user: { id: string; handle: string | null };
  status: string;
  since: string;
}
type List = { relationships: Rel[] };

let counter = 0;

await describeOnBothDatabases('friends and blocking', openAccountsHarness, (h) => {
  interface Person {
    id: string;
    handle: string;
  }
  async function person(): Promise<Person> {
    counter += 1;
    const handle = `p${counter}_${Math.random().toString(36).slice(2, 8)}`;
    return { id: await h.createUser(`Person ${counter}`, handle), handle };
  }
  const statusOf = async (me: Person) =>
    (await h.ok<List>(me.id, LIST)).relationships.map((r) => [r.user.id, r.status]);
  /** Published events between these users (either direction), as [type, subject]. */
  async function eventsAmong(...people: Person[]): Promise<[string, string][]> {
    await h.flush();
    const ids = new Set(people.map((p) => p.id));
    return h.events.events
      .filter((e) => {
        const d = e.data;
        const involved = [
          d.senderId,
          d.recipientId,
          d.blockerId,
          d.blockedId,
          ...((d.userIds as unknown[]) ?? []),
        ];
        return involved.filter((u) => ids.has(u as string)).length === people.length;
      })
      .map((e) => [e.type, e.subject]);
  }
  /** Runs a relationship mutation as `who` and answers the relationship it returns. */
  const relationship = async (who: string, mutation: string, variables: Record<string, unknown>) =>
    Object.values(await h.ok<Record<string, Rel>>(who, mutation, variables))[0]!;

  it('request, then accept: both sides see it, and both hear every step', async () => {
    const [alice, bob] = [await person(), await person()];
    const sent = await relationship(alice.id, SEND, { handle: bob.handle.toUpperCase() });
    expect(sent).toMatchObject({ user: { id: bob.id, handle: bob.handle }, status: 'OUTGOING_REQUEST' });
    expect(await statusOf(alice)).toEqual([[bob.id, 'OUTGOING_REQUEST']]);
    expect(await statusOf(bob)).toEqual([[alice.id, 'INCOMING_REQUEST']]);
    expect(codeOf(await h.as(alice.id, SEND, { handle: bob.handle }))).toBe('CONFLICT');
    // Only the recipient can accept.
    expect(codeOf(await h.as(alice.id, ACCEPT, { userId: bob.id }))).toBe('NOT_FOUND');

    const accepted = await relationship(bob.id, ACCEPT, { userId: alice.id });
    expect(accepted).toMatchObject({ user: { id: alice.id }, status: 'FRIEND' });
    expect(await statusOf(alice)).toEqual([[bob.id, 'FRIEND']]);
    expect(await statusOf(bob)).toEqual([[alice.id, 'FRIEND']]);
    expect(codeOf(await h.as(alice.id, SEND, { handle: bob.handle }))).toBe('CONFLICT');
    expect(codeOf(await h.as(bob.id, SEND, { handle: alice.handle }))).toBe('CONFLICT');
    expect(await h.db.select().from(friendRequests).where(eq(friendRequests.senderId, alice.id))).toEqual([]);

    expect(await eventsAmong(alice, bob)).toEqual([
      ['FriendRequestCreated', `user.${alice.id}`],
      ['FriendRequestCreated', `user.${bob.id}`],
      ['FriendAdded', `user.${bob.id}`],
      ['FriendAdded', `user.${alice.id}`],
    ]);
  });

  it('a request to someone who already asked you makes you friends at once', async () => {
    const [alice, bob] = [await person(), await person()];
    await h.ok(bob.id, SEND, { handle: alice.handle });
    const result = await relationship(alice.id, SEND, { handle: bob.handle });
    expect(result.status).toBe('FRIEND');
    expect(await statusOf(bob)).toEqual([[alice.id, 'FRIEND']]);
    const rows = await h.db
      .select()
      .from(friendRequests)
      .where(or(eq(friendRequests.senderId, bob.id), eq(friendRequests.senderId, alice.id)));
    expect(rows).toEqual([]);
    expect((await eventsAmong(alice, bob)).map(([t]) => t)).toEqual([
      'FriendRequestCreated',
      'FriendRequestCreated',
      'FriendAdded',
      'FriendAdded',
    ]);
  });

  it('decline (incoming) and cancel (outgoing) remove the request and tell both', async () => {
    const [alice, bob, carol] = [await person(), await person(), await person()];
    await h.ok(alice.id, SEND, { handle: bob.handle });
    expect(await relationship(bob.id, DECLINE, { userId: alice.id })).toMatchObject({
      user: { id: alice.id },
      status: 'NONE',
    });
    expect(await statusOf(alice)).toEqual([]);
    expect(codeOf(await h.as(bob.id, DECLINE, { userId: alice.id }))).toBe('NOT_FOUND');

    await h.ok(alice.id, SEND, { handle: carol.handle });
    await h.ok(alice.id, DECLINE, { userId: carol.id });
    expect(await statusOf(carol)).toEqual([]);
    expect(await eventsAmong(alice, carol)).toEqual([
      ['FriendRequestCreated', `user.${alice.id}`],
      ['FriendRequestCreated', `user.${carol.id}`],
      ['FriendRequestDeleted', `user.${alice.id}`],
      ['FriendRequestDeleted', `user.${carol.id}`],
    ]);
  });

  it('removeFriend ends the friendship both ways; NOT_FOUND when there is none', async () => {
    const [alice, bob] = [await person(), await person()];
    expect(codeOf(await h.as(alice.id, REMOVE, { userId: bob.id }))).toBe('NOT_FOUND');
    await h.ok(alice.id, SEND, { handle: bob.handle });
    expect(codeOf(await h.as(alice.id, REMOVE, { userId: bob.id }))).toBe('NOT_FOUND');
    await h.ok(bob.id, ACCEPT, { userId: alice.id });
    expect((await relationship(bob.id, REMOVE, { userId: alice.id })).status).toBe('NONE');
    expect(await statusOf(alice)).toEqual([]);
    expect(await statusOf(bob)).toEqual([]);
    expect(await h.db.select().from(friendships).where(eq(friendships.userId, alice.id))).toEqual([]);
    expect((await eventsAmong(alice, bob)).slice(-2)).toEqual([
      ['FriendRemoved', `user.${bob.id}`],
      ['FriendRemoved', `user.${alice.id}`],
    ]);
  });

  it('blocking ends friendship and requests, stops requests both ways, and only the blocker hears it', async () => {
    const [alice, bob] = [await person(), await person()];
    await h.ok(alice.id, SEND, { handle: bob.handle });
    await h.ok(bob.id, ACCEPT, { userId: alice.id });
    const before = (await eventsAmong(alice, bob)).length;

    const blocked = await relationship(alice.id, BLOCK, { userId: bob.id });
    expect(blocked).toMatchObject({ user: { id: bob.id }, status: 'BLOCKED' });
    expect(await statusOf(alice)).toEqual([[bob.id, 'BLOCKED']]);
    // The blocked user is not told: they simply have no relationship any more.
    expect(await statusOf(bob)).toEqual([]);
    expect((await eventsAmong(alice, bob)).slice(before)).toEqual([
      ['FriendRemoved', `user.${alice.id}`],
      ['FriendRemoved', `user.${bob.id}`],
      ['UserBlocked', `user.${alice.id}`],
    ]);

    expect(codeOf(await h.as(bob.id, SEND, { handle: alice.handle }))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(alice.id, SEND, { handle: bob.handle }))).toBe('FORBIDDEN');
    expect(await h.db.select().from(friendRequests).where(eq(friendRequests.senderId, bob.id))).toEqual([]);

    // Idempotent: same block, same time, nothing published.
    const again = await relationship(alice.id, BLOCK, { userId: bob.id });
    expect(again.since).toBe(blocked.since);
    expect((await eventsAmong(alice, bob)).length).toBe(before + 3);

    const lifted = await relationship(alice.id, UNBLOCK, { userId: bob.id });
    expect(lifted.status).toBe('NONE');
    expect(await h.db.select().from(blocks).where(eq(blocks.blockerId, alice.id))).toEqual([]);
    expect((await eventsAmong(alice, bob)).slice(-1)).toEqual([['UserUnblocked', `user.${alice.id}`]]);
    expect(codeOf(await h.as(alice.id, UNBLOCK, { userId: bob.id }))).toBe('NOT_FOUND');
    // Only the blocker can lift it.
    await h.ok(alice.id, BLOCK, { userId: bob.id });
    expect(codeOf(await h.as(bob.id, UNBLOCK, { userId: alice.id }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(bob.id, SEND, { handle: alice.handle }))).toBe('FORBIDDEN');
    expect(await statusOf(alice)).toEqual([[bob.id, 'BLOCKED']]);
  });

  it('blocking removes pending requests both ways', async () => {
    const [alice, bob, carol] = [await person(), await person(), await person()];
    await h.ok(bob.id, SEND, { handle: alice.handle });
    await h.ok(alice.id, SEND, { handle: carol.handle });
    await h.ok(alice.id, BLOCK, { userId: bob.id });
    await h.ok(alice.id, BLOCK, { userId: carol.id });
    expect(await statusOf(bob)).toEqual([]);
    expect(await statusOf(carol)).toEqual([]);
    const types = (await eventsAmong(alice, bob)).map(
      ([t, s]) => `${t} ${s === `user.${alice.id}` ? 'alice' : 'bob'}`,
    );
    expect(types).toEqual([
      'FriendRequestCreated bob',
      'FriendRequestCreated alice',
      'FriendRequestDeleted bob',
      'FriendRequestDeleted alice',
      'UserBlocked alice',
    ]);
  });

  it('lists newest first, filtered by status', async () => {
    const [me, a, b, c, d] = [await person(), await person(), await person(), await person(), await person()];
    await h.ok(me.id, SEND, { handle: a.handle });
    await h.ok(b.id, SEND, { handle: me.handle });
    await h.ok(c.id, SEND, { handle: me.handle });
    await h.ok(me.id, ACCEPT, { userId: c.id });
    await h.ok(me.id, BLOCK, { userId: d.id });
    expect(await statusOf(me)).toEqual([
      [d.id, 'BLOCKED'],
      [c.id, 'FRIEND'],
      [b.id, 'INCOMING_REQUEST'],
      [a.id, 'OUTGOING_REQUEST'],
    ]);
    const only = async (status: string) =>
      (await h.ok<List>(me.id, LIST, { status })).relationships.map((r) => r.user.id);
    expect(await only('FRIEND')).toEqual([c.id]);
    expect(await only('INCOMING_REQUEST')).toEqual([b.id]);
    expect(await only('OUTGOING_REQUEST')).toEqual([a.id]);
    expect(await only('BLOCKED')).toEqual([d.id]);
    expect(await only('NONE')).toEqual([]);
  });

  it('refuses anonymous callers everywhere, and bad or unknown targets', async () => {
    const [alice, bob] = [await person(), await person()];
    for (const [query, vars] of [
      [LIST, {}],
      [SEND, { handle: bob.handle }],
      [ACCEPT, { userId: bob.id }],
      [DECLINE, { userId: bob.id }],
      [REMOVE, { userId: bob.id }],
      [BLOCK, { userId: bob.id }],
      [UNBLOCK, { userId: bob.id }],
    ] as const)
      expect(codeOf(await h.as(undefined, query, vars)), query).toBe('UNAUTHENTICATED');

    expect(codeOf(await h.as(alice.id, SEND, { handle: 'nobody_here_zz' }))).toBe('NOT_FOUND');
    expect(codeOf(await h.as(alice.id, SEND, { handle: 'bad handle!' }))).toBe('VALIDATION');
    expect(codeOf(await h.as(alice.id, SEND, { handle: alice.handle }))).toBe('VALIDATION');
    for (const query of [ACCEPT, DECLINE, REMOVE, BLOCK, UNBLOCK]) {
      expect(codeOf(await h.as(alice.id, query, { userId: 'abc' })), query).toBe('VALIDATION');
      expect(codeOf(await h.as(alice.id, query, { userId: alice.id })), query).toBe('VALIDATION');
      expect(codeOf(await h.as(alice.id, query, { userId: '123456789012345' })), query).toBe('NOT_FOUND');
    }
    expect(await statusOf(alice)).toEqual([]);
  });

  it('crossing requests sent at the same time end as one friendship', async () => {
    const [alice, bob] = [await person(), await person()];
    const results = await Promise.all([
      h.ok<{ sendFriendRequest: Rel }>(alice.id, SEND, { handle: bob.handle }),
      h.ok<{ sendFriendRequest: Rel }>(bob.id, SEND, { handle: alice.handle }),
    ]);
    expect(results.map((r) => r.sendFriendRequest.status).sort()).toEqual(['FRIEND', 'OUTGOING_REQUEST']);
    expect(await statusOf(alice)).toEqual([[bob.id, 'FRIEND']]);
    expect(await statusOf(bob)).toEqual([[alice.id, 'FRIEND']]);
  });
});
