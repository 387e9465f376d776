import type { ApolloCache, ApolloClient, Reference } from '@apollo/client';
import type { EventOf } from '@gochat/events';
import { parse } from 'graphql';

import {
  MessageFieldsFragmentDoc,
  MessagesByIdsDocument,
  SendMessageDocument,
  UserFieldsFragmentDoc,
  type MessageFieldsFragment,
  type UserFieldsFragment,
} from './generated/graphql.ts';

type Created = EventOf<'MessageCreated'>['data'];

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

/**
 * Writes messages into the cache: new ones from MessageCreated events (from what the event says
 * and the users already cached; only when the cache lacks the author or a mentioned user is the
 * message read by id), and the viewer's own sends, shown at once as pending, confirmed by the
 * mutation's answer or by the event, whichever comes first (the same id), and kept with a retry
 * when refused. A retry reuses the nonce, so a send the server did receive is not sent twice.
 */
export class MessageWriter {
  private pending: ReadonlyMap<string, readonly PendingMessage[]> = new Map();
  private readonly listeners = new Set<() => void>();
  private readonly toFetch = new Map<string, Set<string>>();

  constructor(private readonly apollo: ApolloClient) {}

  /** For useSyncExternalStore. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  pendingIn = (channelId: string): readonly PendingMessage[] => this.pending.get(channelId) ?? NONE;

  /** Sends at once; the message shows as pending until confirmed, or as failed with a retry. */
  send(channelId: string, content: string, replyToId: string | null = null): Promise<void> {
    const message: PendingMessage = { nonce: newNonce(), channelId, content, replyToId, state: 'sending' };
    this.setPending(channelId, [...this.pendingIn(channelId), message]);
    return this.deliver(message);
  }

  retry(channelId: string, nonce: string): Promise<void> {
    const message = this.pendingIn(channelId).find((m) => m.nonce === nonce);
    if (!message || message.state !== 'failed') return Promise.resolve();
    const again: PendingMessage = { ...message, state: 'sending' };
    delete again.error;
    this.replacePending(message, again);
    return this.deliver(again);
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
    appendToHistory(cache, data.channelId, id);
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
      if (sent) appendToHistory(this.apollo.cache, message.channelId, this.apollo.cache.identify(sent)!);
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
    const author = user(data.authorId);
    const mentioned = data.mentions.users.map(user);
    if (!author || mentioned.some((u) => !u) || data.attachmentIds.length) return null;
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
            appendToHistory(this.apollo.cache, channelId, this.apollo.cache.identify(message)!);
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
        return [...list, ref];
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
