import { createPostgresTimeline } from '@gochat/message-store';
import { PERMISSIONS } from '@gochat/permissions';
import { codeOf, describeOnBothDatabases } from '@gochat/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

import { openMessagesHarness, type MessagesHarness } from './test-harness.ts';

const EMBED = `
  type url title description color timestamp
  provider { name url } author { name url iconUrl } footer { text iconUrl }
  image { url width height } thumbnail { url } fields { name value inline }
`;
const SEND = `mutation($channelId: ID!, $content: String, $embeds: [EmbedInput!]) {
  sendMessage(channelId: $channelId, content: $content, embeds: $embeds) { id editedAt embedsSuppressed embeds { ${EMBED} } }
}`;
const READ = `query($channelId: ID!, $id: ID!) {
  message(channelId: $channelId, id: $id) { id editedAt embedsSuppressed embeds { type title url } }
}`;
const EDIT = `mutation($channelId: ID!, $messageId: ID!, $content: String!) {
  editMessage(channelId: $channelId, messageId: $messageId, content: $content) { id editedAt }
}`;
const SUPPRESS = `mutation($channelId: ID!, $messageId: ID!, $suppressed: Boolean!) {
  suppressEmbeds(channelId: $channelId, messageId: $messageId, suppressed: $suppressed) {
    id embedsSuppressed embeds { type title }
  }
}`;

interface ApiEmbed {
  type: string;
  title: string | null;
  url: string | null;
}
type Read = {
  message: { id: string; editedAt: string | null; embedsSuppressed: boolean; embeds: ApiEmbed[] };
};

async function published(h: MessagesHarness, type: string) {
  await h.flush();
  return h.events.events.filter((e) => e.type === type);
}

const report = {
  title: 'Build 42',
  description: 'All green',
  url: 'https://ci.example/builds/42',
  color: 0x2ecc71,
  timestamp: '2026-12-01T10:00:00Z',
  author: { name: 'CI', url: 'https://ci.example' },
  footer: { text: 'took 4 min' },
  imageUrl: 'https://ci.example/graph.png',
  fields: [
    { name: 'tests', value: '1,963 passed', inline: true },
    { name: 'lint', value: 'clean' },
  ],
};

await describeOnBothDatabases('embeds on messages', openMessagesHarness, (h) => {
  let owner: string, author: string, member: string, mod: string, outsider: string, noEmbeds: string;
  let guildId: string, channel: string;

  beforeAll(async () => {
    [owner, author, member, mod, outsider, noEmbeds] = await Promise.all([
      h.createUser('owner'),
      h.createUser('author'),
      h.createUser('member'),
      h.createUser('mod'),
      h.createUser('outsider'),
      h.createUser('no embeds'),
    ]);
    guildId = await h.seed.guild(owner);
    for (const u of [author, member, mod, noEmbeds]) await h.seed.member(guildId, u);
    await h.seed.role(guildId, PERMISSIONS.MANAGE_MESSAGES, [mod]);
    channel = await h.seed.channel(guildId);
    await h.seed.overwrite(channel, 'member', noEmbeds, 0n, PERMISSIONS.EMBED_LINKS);
  });

  const send = (who: string, vars: Record<string, unknown>) =>
    h.as<{ sendMessage: { id: string; embeds: Record<string, unknown>[] } }>(who, SEND, {
      channelId: channel,
      ...vars,
    });
  const read = async (id: string) => (await h.ok<Read>(author, READ, { channelId: channel, id })).message;
  /** What the embedder will do: write previews for one content version through the store. */
  const setPreviews = (id: string, version: string, title: string) =>
    h.db.transaction((tx) =>
      createPostgresTimeline(h.db).stage(tx, 'test', {
        op: 'setLinkEmbeds',
        channelId: channel,
        id,
        linkEmbeds: { version, embeds: [{ type: 'link', url: 'https://example.com/', title }] },
      }),
    );

  describe('rich embeds sent with a message', () => {
    it('are checked, stored, shown in order, and carried by MessageCreated; content may be empty', async () => {
      const result = await send(author, { content: '', embeds: [report, { title: 'second' }] });
      expect(codeOf(result)).toBe('OK');
      const message = result.data!.sendMessage;
      expect(message.embeds).toEqual([
        {
          type: 'RICH',
          url: 'https://ci.example/builds/42',
          title: 'Build 42',
          description: 'All green',
          color: 0x2ecc71,
          timestamp: '2026-12-01T10:00:00.000Z',
          provider: null,
          author: { name: 'CI', url: 'https://ci.example/', iconUrl: null },
          footer: { text: 'took 4 min', iconUrl: null },
          image: { url: 'https://ci.example/graph.png', width: null, height: null },
          thumbnail: null,
          fields: [
            { name: 'tests', value: '1,963 passed', inline: true },
            { name: 'lint', value: 'clean', inline: false },
          ],
        },
        expect.objectContaining({ type: 'RICH', title: 'second', fields: [] }),
      ]);
      expect((await read(message.id)).embeds.map((e) => e.title)).toEqual(['Build 42', 'second']);
      const event = (await published(h, 'MessageCreated')).find(
        (e) => (e.data as { messageId: string }).messageId === message.id,
      );
      expect(event?.data).toMatchObject({
        content: '',
        linkPreviews: true,
        embeds: [
          expect.objectContaining({ type: 'rich', title: 'Build 42' }),
          { type: 'rich', title: 'second' },
        ],
      });
    });

    it('refuses what breaks the limits with VALIDATION naming where, and stores nothing', async () => {
      const cases: [unknown[], string][] = [
        [[{ title: 'x'.repeat(257) }], 'embeds[0].title'],
        [Array.from({ length: 11 }, () => ({ title: 't' })), 'embeds'],
        [[{ fields: Array.from({ length: 26 }, () => ({ name: 'n', value: 'v' })) }], 'embeds[0].fields'],
        [[{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }], 'embeds'],
        [[{ title: 't', url: 'javascript:alert(1)' }], 'embeds[0].url'],
        [[{ title: 't', color: 0x1000000 }], 'embeds[0].color'],
        [[{ fields: [{ name: 'n', value: ' ' }] }], 'embeds[0].fields[0].value'],
        [[{}], 'embeds[0]'],
      ];
      const before = (await published(h, 'MessageCreated')).length;
      for (const [embeds, field] of cases) {
        const result = await send(author, { content: 'x', embeds });
        expect(codeOf(result), field).toBe('VALIDATION');
        expect(
          (result.errors?.[0]?.extensions as { field?: string } | undefined)?.field,
          JSON.stringify(embeds).slice(0, 80),
        ).toBe(field);
      }
      expect((await published(h, 'MessageCreated')).length).toBe(before);
    });

    it('need EMBED_LINKS; without it a plain message still sends, and its links get no previews', async () => {
      expect(codeOf(await send(noEmbeds, { content: 'x', embeds: [{ title: 't' }] }))).toBe('FORBIDDEN');
      const plain = await send(noEmbeds, { content: 'see https://example.com' });
      expect(codeOf(plain)).toBe('OK');
      const event = (await published(h, 'MessageCreated')).find(
        (e) => (e.data as { messageId: string }).messageId === plain.data!.sendMessage.id,
      );
      expect(event?.data).toMatchObject({ linkPreviews: false, embeds: [] });
    });
  });

  describe('link previews', () => {
    it('show only for the content they were made from: an edit hides them until new ones arrive', async () => {
      const id = (await send(author, { content: 'https://example.com', embeds: [{ title: 'sent' }] })).data!
        .sendMessage.id;
      await setPreviews(id, 'original', 'preview');
      expect((await read(id)).embeds.map((e) => [e.type, e.title])).toEqual([
        ['RICH', 'sent'],
        ['LINK', 'preview'],
      ]);
      const edited = await h.ok<{ editMessage: { editedAt: string } }>(author, EDIT, {
        channelId: channel,
        messageId: id,
        content: 'https://example.com/other',
      });
      expect((await read(id)).embeds.map((e) => e.title)).toEqual(['sent']);
      await setPreviews(id, 'original', 'late, for the old content');
      expect((await read(id)).embeds.map((e) => e.title)).toEqual(['sent']);
      await setPreviews(id, new Date(edited.editMessage.editedAt).toISOString(), 'new preview');
      expect((await read(id)).embeds.map((e) => e.title)).toEqual(['sent', 'new preview']);
      const update = (await published(h, 'MessageUpdated')).find(
        (e) => (e.data as { messageId: string }).messageId === id,
      );
      expect(update?.data).toMatchObject({ linkPreviews: true });
    });
  });

  describe('suppressEmbeds', () => {
    it('the author or a MANAGE_MESSAGES holder hides and shows previews; sent embeds stay; others are refused', async () => {
      const id = (await send(author, { content: 'https://example.com', embeds: [{ title: 'sent' }] })).data!
        .sendMessage.id;
      await setPreviews(id, 'original', 'preview');
      const suppress = (who: string | undefined, suppressed: boolean) =>
        h.as<{ suppressEmbeds: { id: string; embedsSuppressed: boolean; embeds: ApiEmbed[] } }>(
          who,
          SUPPRESS,
          {
            channelId: channel,
            messageId: id,
            suppressed,
          },
        );
      expect(codeOf(await suppress(undefined, true))).toBe('UNAUTHENTICATED');
      expect(codeOf(await suppress(member, true))).toBe('FORBIDDEN');
      expect(codeOf(await suppress(noEmbeds, true))).toBe('FORBIDDEN');
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(codeOf(await suppress(outsider, true)));
      expect((await read(id)).embeds.map((e) => e.title)).toEqual(['sent', 'preview']);

      const byAuthor = await suppress(author, true);
      expect(byAuthor.data?.suppressEmbeds).toEqual({
        id,
        embedsSuppressed: true,
        embeds: [{ type: 'RICH', title: 'sent' }],
      });
      expect(await read(id)).toMatchObject({ embedsSuppressed: true, embeds: [{ title: 'sent' }] });
      const events = () =>
        published(h, 'MessageEmbedsUpdated').then((all) =>
          all.filter((e) => (e.data as { messageId: string }).messageId === id).map((e) => e.data),
        );
      expect(await events()).toEqual([
        {
          messageId: id,
          channelId: channel,
          parentChannelId: channel,
          guildId,
          editedAt: null,
          embeds: [{ type: 'rich', title: 'sent' }],
          suppressed: true,
        },
      ]);
      // Already so: nothing changes, nothing is published.
      expect(codeOf(await suppress(author, true))).toBe('OK');
      expect(await events()).toHaveLength(1);

      const byMod = await suppress(mod, false);
      expect(byMod.data?.suppressEmbeds.embeds.map((e) => e.title)).toEqual(['sent', 'preview']);
      expect((await events()).at(-1)).toMatchObject({
        suppressed: false,
        embeds: [{ title: 'sent' }, { title: 'preview', type: 'link' }],
      });
      expect(codeOf(await suppress(owner, true))).toBe('OK');
      expect((await read(id)).embedsSuppressed).toBe(true);
    });
  });
});
