import { createMemoryStore } from '@gochat/cache';
import { guildMembers } from '@gochat/drizzle';
import { createPostgresTimeline, type MessageTimeline } from '@gochat/message-store';
import { codeOf, describeOnBothDatabases, openSubgraphHarness } from '@gochat/testkit';
import { and, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';

import { createMessagesRole } from './role.ts';
import { openMessagesHarness } from './test-harness.ts';

const SEND = `mutation($channelId: ID!, $content: String) { sendMessage(channelId: $channelId, content: $content) { id } }`;
const EXPORT = `query($r: [_Any!]!, $before: ID, $limit: Int) {
  _entities(representations: $r) {
    ... on DataExport { userId messages(before: $before, limit: $limit) { nextBefore messages { id channelId guildId content createdAt } } }
  }
}`;

interface Page {
  nextBefore: string | null;
  messages: { id: string; channelId: string; guildId: string | null; content: string; createdAt: string }[];
}
type Entities = { _entities: { userId: string; messages: Page }[] };

await describeOnBothDatabases("the data export's messages", openMessagesHarness, (h) => {
  const exportOf = (caller: string, userId: string, page: { before?: string; limit?: number } = {}) =>
    h.as<Entities>(caller, EXPORT, { r: [{ __typename: 'DataExport', userId }], ...page });

  it("pages through every message the caller sent, newest first, even where they can no longer read, and nobody else's", async () => {
    const [writer, other] = await Promise.all([h.createUser('writer'), h.createUser('other')]);
    const guildId = await h.seed.guild(other);
    await h.seed.member(guildId, writer);
    const [general, random] = await Promise.all([h.seed.channel(guildId), h.seed.channel(guildId)]);
    const sent: string[] = [];
    for (const [i, channelId] of [general, random, general, random, general].entries()) {
      const mine = await h.ok<{ sendMessage: { id: string } }>(writer, SEND, {
        channelId,
        content: `mine ${i}`,
      });
      sent.push(mine.sendMessage.id);
      await h.ok(other, SEND, { channelId, content: `theirs ${i}` });
    }
    // The writer leaves the guild: its messages are still theirs to export.
    await h.db
      .delete(guildMembers)
      .where(and(eq(guildMembers.guildId, guildId), eq(guildMembers.userId, writer)));

    const pages: Page[] = [];
    let before: string | undefined;
    do {
      const result = await exportOf(writer, writer, { limit: 2, ...(before ? { before } : {}) });
      expect(codeOf(result)).toBe('OK');
      const page = result.data!._entities[0]!.messages;
      pages.push(page);
      before = page.nextBefore ?? undefined;
    } while (before);
    expect(pages.map((p) => p.messages.length)).toEqual([2, 2, 1]);
    const exported = pages.flatMap((p) => p.messages);
    expect(exported.map((m) => m.id)).toEqual([...sent].reverse());
    expect(exported.every((m) => m.content.startsWith('mine ') && m.guildId === guildId)).toBe(true);
    expect(new Set(exported.map((m) => m.channelId))).toEqual(new Set([general, random]));
    expect(Date.parse(exported[0]!.createdAt)).toBeGreaterThan(Date.now() - 60_000);

    // The default page holds them all, with no next page.
    const all = (await exportOf(writer, writer)).data!._entities[0]!.messages;
    expect(all.messages).toHaveLength(5);
    expect(all.nextBefore).toBeNull();
  });

  it("refuses another user's export, anonymous callers and bad pages", async () => {
    const [me, someone] = await Promise.all([h.createUser(), h.createUser()]);
    expect(codeOf(await exportOf(someone, me))).toBe('FORBIDDEN');
    expect(codeOf(await h.as(undefined, EXPORT, { r: [{ __typename: 'DataExport', userId: me }] }))).toBe(
      'UNAUTHENTICATED',
    );
    for (const page of [{ limit: 0 }, { limit: 101 }, { before: 'not-an-id' }]) {
      const result = await exportOf(me, me, page);
      expect(codeOf(result)).toBe('VALIDATION');
    }
  });
});

/** The role on a message store without authoredBy (the port keeps it optional; both stores have it). */
const openWithoutAuthorIndex = (postgresAdminUrl?: string | null) =>
  openSubgraphHarness(
    {
      subgraph: 'messages',
      worker: 3,
      role: (deps) => {
        const timeline: MessageTimeline = { ...createPostgresTimeline(deps.db) };
        delete timeline.authoredBy;
        return createMessagesRole({
          ...deps,
          timeline,
          cache: createMemoryStore({ keyPrefix: `export-test-${Math.random()}:` }),
          bus: { publishEphemeral: (event) => deps.bus.publishEphemeral(event) },
          config: {
            ...deps.config,
            messages: { sendRate: { points: 1_000, windowSeconds: 1 }, attachmentUrlTtlSeconds: 3_600 },
          },
        });
      },
    },
    postgresAdminUrl,
  );

await describeOnBothDatabases(
  'the data export on a store without an author index',
  openWithoutAuthorIndex,
  (h) => {
    it('answers SERVICE_UNAVAILABLE, not an internal error', async () => {
      const me = await h.createUser();
      const result = await h.as(me, EXPORT, { r: [{ __typename: 'DataExport', userId: me }] });
      expect(codeOf(result)).toBe('SERVICE_UNAVAILABLE');
    });
  },
);
