import { ApolloClient, ApolloLink } from '@apollo/client';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { createCache } from './cache.ts';
import { MessagesDocument, UserFieldsFragmentDoc, type MessageFieldsFragment } from './generated/graphql.ts';
import { embedsFromEvent, MessageWriter, type EventEmbed } from './message-writer.ts';

const CHANNEL = '200';
const AUTHOR = {
  __typename: 'User' as const,
  id: '10',
  displayName: 'Alice',
  handle: 'alice',
  createdAt: '2026-01-01T00:00:00Z',
  avatarUrl: null,
};

function message(id: number): MessageFieldsFragment {
  return {
    __typename: 'Message',
    id: String(id),
    channelId: CHANNEL,
    kind: 'DEFAULT',
    content: `message ${id}`,
    createdAt: '2026-12-06T10:00:00Z',
    editedAt: null,
    author: AUTHOR,
    member: null,
    replyTo: null,
    mentions: { __typename: 'MessageMentions', users: [], roleIds: [], everyone: false, here: false },
    attachments: [],
    embeds: [],
    embedsSuppressed: false,
    reactions: [],
    pinned: false,
    thread: null,
    startedThread: null,
  };
}

/**
 * A channel of messages 1001..(1000 + count) behind a link that answers `around` as the message
 * store does: the message and up to half the page older, the rest newer, newest first.
 */
function setup(count: number) {
  const all = Array.from({ length: count }, (_, i) => message(1001 + i));
  const network = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const { around, limit } = operation.variables as { around: string; limit: number };
        const at = all.findIndex((m) => m.id === around);
        const older = Math.floor(limit / 2);
        const page = all.slice(Math.max(0, at - older), at + 1 + (limit - older - 1));
        observer.next({ data: { __typename: 'Query', messages: [...page].reverse() } });
        observer.complete();
      }),
  );
  const apollo = new ApolloClient({ cache: createCache(), link: network });
  const writer = new MessageWriter(apollo);
  // The screen has read the newest page.
  apollo.cache.writeQuery({
    query: MessagesDocument,
    variables: { channelId: CHANNEL, limit: 10 },
    data: { __typename: 'Query', messages: all.slice(-10).reverse() },
  });
  const history = () =>
    (
      apollo.cache.readQuery({ query: MessagesDocument, variables: { channelId: CHANNEL, limit: 10 } })
        ?.messages ?? []
    ).map((m) => Number(m.id));
  return { writer, history };
}

describe('MessageWriter.jumpTo', () => {
  it('replaces the history with the page around an old message, leaving the window short of the newest', async () => {
    const { writer, history } = setup(100);
    const result = await writer.jumpTo(CHANNEL, '1040', 10);
    expect(result).toEqual({ found: true, olderDone: false, atLatest: false });
    expect(history()).toEqual([1035, 1036, 1037, 1038, 1039, 1040, 1041, 1042, 1043, 1044]);
    expect(writer.atLatest(CHANNEL)).toBe(false);
    // Reading on from the page brings the window back to the newest messages.
    await writer.loadNewer(CHANNEL, '1044', 100, 250);
    expect(writer.atLatest(CHANNEL)).toBe(true);
  });

  it('says when the page holds the first message, or reaches the newest', async () => {
    const first = setup(100);
    expect(await first.writer.jumpTo(CHANNEL, '1002', 10)).toEqual({
      found: true,
      olderDone: true,
      atLatest: false,
    });
    expect(first.history()).toEqual([1001, 1002, 1003, 1004, 1005, 1006]);

    const last = setup(100);
    expect(await last.writer.jumpTo(CHANNEL, '1098', 10)).toEqual({
      found: true,
      olderDone: false,
      atLatest: true,
    });
    expect(last.history()).toEqual([1093, 1094, 1095, 1096, 1097, 1098, 1099, 1100]);
    expect(last.writer.atLatest(CHANNEL)).toBe(true);
  });
});

describe('MessageWriter.created', () => {
  /** One cached message by AUTHOR (no guild: member null); the network only records what it is asked. */
  function live() {
    const requests: string[] = [];
    const network = new ApolloLink(
      (operation) =>
        new Observable((observer) => {
          requests.push(operation.operationName ?? '');
          observer.error(new Error('offline in this test'));
        }),
    );
    const apollo = new ApolloClient({ cache: createCache(), link: network });
    const writer = new MessageWriter(apollo);
    apollo.cache.writeQuery({
      query: MessagesDocument,
      variables: { channelId: CHANNEL, limit: 10 },
      data: { __typename: 'Query', messages: [message(1001)] },
    });
    const history = () =>
      apollo.cache.readQuery({ query: MessagesDocument, variables: { channelId: CHANNEL, limit: 10 } })
        ?.messages ?? [];
    const created = (messageId: string, authorId: string, replyToId: string | null = null) =>
      writer.created(
        {
          channelId: CHANNEL,
          parentChannelId: CHANNEL,
          guildId: null,
          messageId,
          authorId,
          kind: 'default',
          content: `message ${messageId}`,
          replyToId,
          mentions: { users: [], roles: [], everyone: false, here: false },
          attachmentIds: [],
        },
        '2026-12-06T10:01:00Z',
      );
    return { apollo, requests, history, created };
  }

  it("builds a message from the event when its author and the author's avatar are cached", () => {
    const { requests, history, created } = live();
    created('1002', AUTHOR.id);
    expect(history().map((m) => [m.id, m.author.avatarUrl])).toEqual([
      ['1001', null],
      ['1002', null],
    ]);
    expect(requests).toEqual([]);
  });

  it("quotes a reply's original under its author's name in the guild, from the cache", () => {
    const { apollo, requests, history, created } = live();
    const member = {
      __typename: 'Member' as const,
      guildId: '300',
      userId: AUTHOR.id,
      nickname: 'Ally',
      roleIds: [],
      color: null,
      avatarUrl: null,
    };
    apollo.cache.writeQuery({
      query: MessagesDocument,
      variables: { channelId: CHANNEL, limit: 10 },
      data: { __typename: 'Query', messages: [{ ...message(1001), member }] },
    });
    created('1002', AUTHOR.id, '1001');
    const reply = history().find((m) => m.id === '1002');
    expect(reply?.replyTo?.message?.member?.nickname).toBe('Ally');
    expect(reply?.replyTo?.message?.author.displayName).toBe('Alice');
    expect(requests).toEqual([]);
  });

  it('reads the message by id when the author is cached without an avatar (from the member list, say)', async () => {
    const { apollo, requests, history, created } = live();
    apollo.cache.writeFragment({
      fragment: UserFieldsFragmentDoc,
      data: { __typename: 'User', id: '11', displayName: 'Bob', handle: 'bob', createdAt: AUTHOR.createdAt },
    });
    created('1002', '11');
    await expect.poll(() => requests).toEqual(['MessagesByIds']);
    expect(history().map((m) => m.id)).toEqual(['1001']);
  });
});

describe('embedsFromEvent', () => {
  it("converts the events' stored embeds to the API's shape, as the messages subgraph does", () => {
    expect(embedsFromEvent(undefined)).toEqual([]);
    const [article] = embedsFromEvent([
      {
        type: 'article',
        url: 'https://news.example/a',
        title: 'Headline',
        description: 'Text',
        color: 0xff0000,
        timestamp: '2026-12-06T10:00:00.000Z',
        siteName: 'News',
        author: { name: 'Reporter', url: 'https://news.example/r' },
        image: {
          url: 'https://gochat.example/media/i.png',
          width: 1200,
          height: 630,
          contentType: 'image/png',
        },
      },
    ]);
    expect(article).toEqual({
      __typename: 'Embed',
      type: 'ARTICLE',
      url: 'https://news.example/a',
      title: 'Headline',
      description: 'Text',
      color: 0xff0000,
      timestamp: '2026-12-06T10:00:00.000Z',
      provider: { __typename: 'EmbedProvider', name: 'News', url: null },
      author: { __typename: 'EmbedAuthor', name: 'Reporter', url: 'https://news.example/r', iconUrl: null },
      footer: null,
      image: {
        __typename: 'EmbedMedia',
        url: 'https://gochat.example/media/i.png',
        width: 1200,
        height: 630,
        contentType: 'image/png',
      },
      thumbnail: null,
      video: null,
      audio: null,
      fields: [],
    });
  });

  it('prefers provider over siteName, and leaves out types it does not know', () => {
    const embeds = embedsFromEvent([
      { type: 'link', siteName: 'Site', provider: { url: 'https://site.example' } },
      { type: 'hologram' } as unknown as EventEmbed,
      { type: 'audio', audio: { url: 'https://a.example/x.mp3' } },
    ]);
    expect(embeds.map((e) => e.type)).toEqual(['LINK', 'AUDIO']);
    expect(embeds[0]!.provider).toEqual({
      __typename: 'EmbedProvider',
      name: null,
      url: 'https://site.example',
    });
    expect(embeds[1]!.audio).toMatchObject({ url: 'https://a.example/x.mp3', width: null });
  });
});
