import type { ApolloCache, ApolloClient, Reference } from '@apollo/client';
import { toApiEmbeds } from '@gochat/embeds/api-shape';
import type { EventOf } from '@gochat/events';
import { parse } from 'graphql';

import { compareIds, memberCacheId } from './cache.ts';
import {
  MessageAuthorFieldsFragmentDoc,
  MessageFieldsFragmentDoc,
  MessageMemberFieldsFragmentDoc,
  MessagesByIdsDocument,
  MessagesDocument,
  SendMessageDocument,
  UserFieldsFragmentDoc,
  type EmbedFieldsFragment,
  type MessageAuthorFieldsFragment,
  type MessageFieldsFragment,
  type MessageMemberFieldsFragment,
  type MessagesQuery,
  type UserFieldsFragment,
} from './generated/graphql.ts';

type Created = EventOf<'MessageCreated'>['data'];
/** An embed as events carry it (stored form: lower-case type, absent fields; docs/events.md). */
export type EventEmbed = EventOf<'MessageEmbedsUpdated'>['data']['embeds'][number];

/** Embeds as events carry them, in the API's shape (Message.embeds), by the subgraph's own rules. */
export const embedsFromEvent = (embeds: readonly EventEmbed[] | undefined): EmbedFieldsFragment[] =>
  toApiEmbeds(embeds);

/** A message the viewer sent that the server has not confirmed yet, or refused. */
export interface PendingMessage {
  nonce: string;
  channelId: string;
  content: string;
  replyToId: string | null;
  state: 'sending' | 'failed';
  /** The API's error, shown under a failed message. */
  error?: unknown;
}

const MESSAGE = { fragment: MessageFieldsFragmentDoc, fragmentName: 'MessageFields' } as const;
const USER = { fragment: UserFieldsFragmentDoc, fragmentName: 'UserFields' } as const;
const AUTHOR = { fragment: MessageAuthorFieldsFragmentDoc, fragmentName: 'MessageAuthorFields' } as const;
const MEMBER = { fragment: MessageMemberFieldsFragmentDoc, fragmentName: 'MessageMemberFields' } as const;

/**
 * Writes messages into the cache: new ones from MessageCreated events (from what the event says
 * and the users and members already cached; only when the cache lacks the author or their avatar,
 * the author's membership of the guild or a mentioned user is the message read by id), and the
 * viewer's own sends, shown at once as pending, confirmed by the mutation's answer or by the event,
 * whichever comes first (the same id), and kept with a retry when refused. A retry reuses the
 * nonce, so a send the server did receive is not sent twice.
 */
export class MessageWriter {
  private pending: ReadonlyMap<string, readonly PendingMessage[]> = new Map();
  private readonly listeners = new Set<() => void>();
  private readonly toFetch = new Map<string, Set<string>>();
  /** Channels whose cached history stops before the newest message, with what arrived meanwhile. */
  private readonly behind = new Map<string, Set<string>>();
  /** Per channel, the last send in flight: the next one starts after it settles. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly apollo: ApolloClient) {}

  /** For useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  pendingIn = (channelId: string): readonly PendingMessage[] => this.pending.get(channelId) ?? NONE;

  /**
   * Shows the message at once as pending and sends it after the channel's earlier sends, one at a
   * time, so messages typed quickly keep their order (ids are given in the order sends arrive).
   */
  send(channelId: string, content: string, replyToId: string | null = null): Promise<void> {
    const message: PendingMessage = { nonce: newNonce(), channelId, content, replyToId, state: 'sending' };
    this.setPending(channelId, [...this.pendingIn(channelId), message]);
    return this.inOrder(channelId, () => this.deliver(message));
  }

  retry(channelId: string, nonce: string): Promise<void> {
    const message = this.pendingIn(channelId).find((m) => m.nonce === nonce);
    if (!message || message.state !== 'failed') return Promise.resolve();
    const again: PendingMessage = { ...message, state: 'sending' };
    delete again.error;
    this.replacePending(message, again);
    return this.inOrder(channelId, () => this.deliver(again));
  }

  discard(channelId: string, nonce: string): void {
    this.setPending(
      channelId,
      this.pendingIn(channelId).filter((m) => m.nonce !== nonce),
    );
  }

  /** A MessageCreated event of the viewer feed. */
  created(data: Created, occurredAt: string): void {
    const cache = this.apollo.cache;
    const id = cache.identify({ __typename: 'Message', id: data.messageId })!;
    if (!cache.readFragment({ ...MESSAGE, id })) {
      const message = this.fromEvent(cache, data, occurredAt);
      if (!message) {
        this.fetchLater(data.channelId, data.messageId);
        return;
      }
      cache.writeFragment({ ...MESSAGE, id, data: message });
    }
    this.append(data.channelId, id);
  }

  /**
   * Whether the channel's cached history reaches its newest message. A long scroll upwards keeps a
   * window of the history (loadOlder), so the list stays small however far back the reader goes;
   * until the reader comes back down (loadNewer), live messages are not put after the window, where
   * they would leave a gap, but kept aside and added once the window reaches the end again.
   */
  atLatest = (channelId: string): boolean => !this.behind.has(channelId);

  /**
   * Reads the page before the history's oldest message into the cached list, and keeps at most
   * `window` messages by dropping the newest (read again by loadNewer). Returns how many older
   * messages came: fewer than `limit` means the channel's first message is in.
   */
  async loadOlder(channelId: string, oldestId: string, limit: number, window: number): Promise<number> {
    // The page is written into the cache, where it merges into the channel's one list (cache.ts),
    // which the screen's query watches and returns whole. (Apollo 4.3.8's fetchMore did not always
    // update the watching query here: the list stopped growing after a page or two.)
    const list = await this.readPage(channelId, { limit, before: oldestId });
    if (list.length > window) {
      modifyHistory(this.apollo.cache, channelId, (refs) => refs.slice(0, window));
      if (!this.behind.has(channelId)) this.behind.set(channelId, new Set());
    }
    return list.filter((m) => compareIds(m.id, oldestId) < 0).length;
  }

  /**
   * Reads the page after the window's newest message, keeping at most `window` messages by dropping
   * the oldest. When it is the last page, the window reaches the end again, and the messages that
   * arrived meanwhile are added. Returns how many newer messages came, and whether older ones were
   * dropped (so there are older ones to read again).
   */
  async loadNewer(
    channelId: string,
    newestId: string,
    limit: number,
    window: number,
  ): Promise<{ added: number; trimmed: boolean }> {
    const list = await this.readPage(channelId, { limit, after: newestId });
    const added = list.filter((m) => compareIds(m.id, newestId) > 0).length;
    const trimmed = list.length > window;
    if (trimmed) modifyHistory(this.apollo.cache, channelId, (refs) => refs.slice(-window));
    const missed = this.behind.get(channelId);
    if (added < limit && missed) {
      this.behind.delete(channelId);
      for (const ref of missed) this.append(channelId, ref);
    }
    return { added, trimmed };
  }

  /**
   * Jumps the channel's cached history to the page around a message (a search result, a link): the
   * list becomes that page alone, so no gap is left between it and what was cached. Unless the page
   * reaches the newest message, the window stops short of it as after loadOlder: live messages are
   * kept aside, and loadNewer reads on from the page. Returns whether the channel's first message
   * is in the page (nothing older to read) and whether the message itself is (it may be deleted).
   */
  async jumpTo(
    channelId: string,
    messageId: string,
    limit: number,
  ): Promise<{ found: boolean; olderDone: boolean; atLatest: boolean }> {
    // Live messages that arrive meanwhile are kept aside, so none is lost when the list is replaced.
    const wasBehind = this.behind.has(channelId);
    if (!wasBehind) this.behind.set(channelId, new Set());
    let page: MessagesQuery['messages'];
    try {
      // Not through the cache: the page must not merge into the list before the list is replaced.
      const { data } = await this.apollo.query({
        query: MessagesDocument,
        variables: { channelId, around: messageId, limit },
        fetchPolicy: 'no-cache',
      });
      page = data?.messages ?? [];
    } catch (error) {
      if (!wasBehind) this.catchUp(channelId);
      throw error;
    }
    // The server answers the message and up to half the page older, the rest newer (message-store).
    const olderAsked = Math.floor(limit / 2);
    const older = page.filter((m) => compareIds(m.id, messageId) < 0).length;
    const newer = page.filter((m) => compareIds(m.id, messageId) > 0).length;
    const atLatest = newer < limit - olderAsked - 1;
    const cache = this.apollo.cache;
    modifyHistory(cache, channelId, () => []);
    // Merged into the emptied list (or a list never loaded), the page is the whole history now.
    cache.writeQuery({
      query: MessagesDocument,
      variables: { channelId, around: messageId, limit },
      data: { __typename: 'Query', messages: page },
    });
    if (atLatest) this.catchUp(channelId);
    return { found: page.some((m) => m.id === messageId), olderDone: older < olderAsked, atLatest };
  }

  /** The window reaches the newest message again: the live messages kept aside join the list. */
  private catchUp(channelId: string): void {
    const missed = this.behind.get(channelId);
    if (!missed) return;
    this.behind.delete(channelId);
    for (const ref of missed) this.append(channelId, ref);
  }

  /** One page read into the channel's cached list; answers the whole list, oldest first. */
  private async readPage(
    channelId: string,
    cursor: { limit: number; before?: string; after?: string },
  ): Promise<MessagesQuery['messages']> {
    const { data } = await this.apollo.query({
      query: MessagesDocument,
      variables: { channelId, ...cursor },
      fetchPolicy: 'network-only',
    });
    return data?.messages ?? [];
  }

  private append(channelId: string, messageRef: string): void {
    const missed = this.behind.get(channelId);
    if (missed) missed.add(messageRef);
    else appendToHistory(this.apollo.cache, channelId, messageRef);
  }

  private inOrder(channelId: string, send: () => Promise<void>): Promise<void> {
    const previous = this.queues.get(channelId) ?? Promise.resolve();
    const next = previous.then(send);
    this.queues.set(channelId, next);
    void next.finally(() => {
      if (this.queues.get(channelId) === next) this.queues.delete(channelId);
    });
    return next;
  }

  private async deliver(message: PendingMessage): Promise<void> {
    try {
      const result = await this.apollo.mutate({
        mutation: SendMessageDocument,
        variables: {
          channelId: message.channelId,
          content: message.content,
          nonce: message.nonce,
          ...(message.replyToId ? { replyToId: message.replyToId } : {}),
        },
      });
      const sent = result.data?.sendMessage;
      if (sent) this.append(message.channelId, this.apollo.cache.identify(sent)!);
      this.discard(message.channelId, message.nonce);
    } catch (error) {
      this.replacePending(message, { ...message, state: 'failed', error });
    }
  }

  private fromEvent(cache: ApolloCache, data: Created, occurredAt: string): MessageFieldsFragment | null {
    const user = (userId: string) =>
      cache.readFragment<UserFieldsFragment>({
        ...USER,
        id: cache.identify({ __typename: 'User', id: userId })!,
      });
    // The author with their avatar (a user known only from the member list has none cached yet).
    const author = cache.readFragment<MessageAuthorFieldsFragment>({
      ...AUTHOR,
      id: cache.identify({ __typename: 'User', id: data.authorId })!,
    });
    const mentioned = data.mentions.users.map(user);
    if (!author || mentioned.some((u) => !u) || data.attachmentIds.length) return null;
    // The author as the guild knows them, from an earlier message or the member list; unknown, the
    // message is read by id (which brings it).
    let member: MessageFieldsFragment['member'] = null;
    if (data.guildId && data.kind === 'default') {
      member = cache.readFragment<MessageMemberFieldsFragment>({
        ...MEMBER,
        id: memberCacheId(data.guildId, data.authorId),
      });
      if (!member) return null;
    }
    let replyTo: MessageFieldsFragment['replyTo'] = null;
    if (data.replyToId) {
      const reply = cache.readFragment({
        ...MESSAGE,
        id: cache.identify({ __typename: 'Message', id: data.replyToId })!,
      });
      if (!reply) return null;
      replyTo = {
        __typename: 'MessageReference',
        messageId: reply.id,
        channelId: reply.channelId,
        deleted: false,
        message: {
          __typename: 'Message',
          id: reply.id,
          content: reply.content,
          author: { __typename: 'User', id: reply.author.id, displayName: reply.author.displayName },
          member: reply.member,
        },
      };
    }
    let thread: MessageFieldsFragment['thread'] = null;
    if (data.parentChannelId && data.parentChannelId !== data.channelId) {
      const name = cache.readFragment<{ name: string }>({
        id: cache.identify({ __typename: 'Thread', id: data.channelId })!,
        fragment: THREAD_NAME,
      })?.name;
      if (name === undefined) return null;
      thread = { __typename: 'Thread', id: data.channelId, name };
    }
    return {
      __typename: 'Message',
      id: data.messageId,
      channelId: data.channelId,
      kind: data.kind === 'guild_member_join' ? 'GUILD_MEMBER_JOIN' : 'DEFAULT',
      content: data.content,
      createdAt: occurredAt,
      editedAt: null,
      author,
      member,
      replyTo,
      mentions: {
        __typename: 'MessageMentions',
        users: mentioned.map((u) => ({
          __typename: 'User',
          id: u!.id,
          displayName: u!.displayName,
          handle: u!.handle,
        })),
        roleIds: data.mentions.roles,
        everyone: data.mentions.everyone,
        here: data.mentions.here,
      },
      attachments: [],
      embeds: embedsFromEvent(data.embeds),
      embedsSuppressed: false,
      reactions: [],
      pinned: false,
      thread,
      startedThread: null,
    };
  }

  /** Reads messages the cache cannot build by id, one request per channel per tick. */
  private fetchLater(channelId: string, messageId: string): void {
    const ids = this.toFetch.get(channelId);
    if (ids) {
      ids.add(messageId);
      return;
    }
    this.toFetch.set(channelId, new Set([messageId]));
    queueMicrotask(() => {
      const batch = [...(this.toFetch.get(channelId) ?? [])];
      this.toFetch.delete(channelId);
      void this.apollo
        .query({
          query: MessagesByIdsDocument,
          variables: { channelId, ids: batch },
          fetchPolicy: 'network-only',
        })
        .then(({ data }) => {
          for (const message of data?.messagesByIds ?? [])
            this.append(channelId, this.apollo.cache.identify(message)!);
        })
        .catch(() => {
          // Not readable any more (deleted, or access lost): there is nothing to show.
        });
    });
  }

  private replacePending(old: PendingMessage, next: PendingMessage): void {
    this.setPending(
      old.channelId,
      this.pendingIn(old.channelId).map((m) => (m.nonce === old.nonce ? next : m)),
    );
  }

  private setPending(channelId: string, messages: readonly PendingMessage[]): void {
    const next = new Map(this.pending);
    if (messages.length) next.set(channelId, messages);
    else next.delete(channelId);
    this.pending = next;
    for (const listener of this.listeners) listener();
  }
}

const NONE: readonly PendingMessage[] = [];

const THREAD_NAME = parse('fragment ThreadName on Thread { name }');

function newNonce(): string {
  return crypto.randomUUID().replace(/-/g, '').slice(0, 32);
}

/** Adds a message to its channel's cached history, if that history was ever loaded. */
function appendToHistory(cache: ApolloCache, channelId: string, messageRef: string): void {
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      messages(existing, { storeFieldName, readField, toReference }) {
        const list = existing as Reference[];
        if (channelOf(storeFieldName) !== channelId) return list;
        const ref = toReference(messageRef);
        if (!ref) return list;
        const id = readField<string>('id', ref);
        if (list.some((r) => readField<string>('id', r) === id)) return list;
        // Usually the newest; a late one (a send confirmed after others' messages) goes in order.
        const at = list.findLastIndex((r) => compareIds(readField<string>('id', r) ?? '', id ?? '') < 0);
        return [...list.slice(0, at + 1), ref, ...list.slice(at + 1)];
      },
    },
  });
}

function modifyHistory(
  cache: ApolloCache,
  channelId: string,
  change: (list: Reference[]) => Reference[],
): void {
  cache.modify({
    id: 'ROOT_QUERY',
    fields: {
      messages(existing, { storeFieldName }) {
        const list = existing as Reference[];
        return channelOf(storeFieldName) === channelId ? change(list) : list;
      },
    },
  });
}

function channelOf(storeFieldName: string): string | undefined {
  const args = storeFieldName.slice(storeFieldName.indexOf(':') + 1);
  try {
    return (JSON.parse(args) as { channelId?: string }).channelId;
  } catch {
    return undefined;
  }
}
