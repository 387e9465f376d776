import fs from 'node:fs';

import type { BlobStore } from '@gochat/blob-store';
import type { EventBus } from '@gochat/bus';
import { createRateLimiter, type KeyValueStore } from '@gochat/cache';
import { userExists, type Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import { createIdentityVerifier } from '@gochat/identity';
import { schedulePeriodic, type Lifecycle, type Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import { createPostgresTimeline, type MessageTimeline, type TimelineMessage } from '@gochat/message-store';
import type { OutboxRelay } from '@gochat/outbox';
import { createSubgraph } from '@gochat/subgraph-kit';
import { cleanedKey, originalKey, previewKey } from '@gochat/uploads';
import DataLoader from 'dataloader';

import type { MessagesConfig } from './config.ts';
import type { MessagesContext } from './resolvers/context.ts';
import { resolvers } from './resolvers/index.ts';
import { createMessagesStores } from './store/index.ts';

export interface MessagesDeps {
  config: MessagesConfig;
  db: Database;
  ids: SnowflakeGenerator;
  outbox: OutboxRelay;
  /** For ephemeral events (typing), which skip the outbox: nothing is committed. */
  bus: Pick<EventBus, 'publishEphemeral'>;
  cache: KeyValueStore;
  log: Logger;
  /** When given, background jobs run on it (thread auto-archive) and stop with it. */
  lifecycle?: Lifecycle;
  /**
   * The message store; PostgreSQL on `db` when not given. Whoever opens a ScyllaDB timeline registers its
   * applyPending with the outbox relay before the relay's first run (cli/infrastructure.ts).
   */
  timeline?: MessageTimeline;
  /** Where attachments are; without one (tests of other areas) attachment URLs cannot be made. */
  blob?: BlobStore;
}

const typeDefs = fs.readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/** Messages: timelines, history, replies, threads, mentions, reactions, pins and read states. */
export function createMessagesRole(deps: MessagesDeps): Role {
  const timeline = deps.timeline ?? createPostgresTimeline(deps.db);
  const stores = createMessagesStores({
    db: deps.db,
    ids: deps.ids,
    timeline,
    kick: () => deps.outbox.kick(),
  });
  if (deps.lifecycle) {
    const archiver = schedulePeriodic({
      name: 'thread auto-archive',
      run: () => stores.threads.archiveIdle(new Date()),
      log: deps.log,
      intervalMs: 60_000,
    });
    deps.lifecycle.defer('thread auto-archive', () => archiver.stop());
  }
  const { sendRate } = deps.config.messages;
  const sendLimiter = createRateLimiter(deps.cache, { name: 'messages:send', ...sendRate });
  const slowmode: MessagesContext['slowmode'] = async (channelId, userId, seconds) => {
    const key = `slowmode:${channelId}:${userId}`;
    const set = await deps.cache.setIfAbsent(key, String(Date.now()), { ttlMs: seconds * 1_000 });
    if (set) return { allowed: true, retryAfterMs: 0 };
    const since = Number(await deps.cache.get(key));
    return {
      allowed: false,
      retryAfterMs: Math.max(1, seconds * 1_000 - (Date.now() - (since || Date.now()))),
    };
  };

  const typingKey = (containerId: string, userId: string) => `typing:${containerId}:${userId}`;
  const typing: MessagesContext['typing'] = {
    claim: (containerId, userId, windowMs) =>
      deps.cache.setIfAbsent(typingKey(containerId, userId), '1', { ttlMs: windowMs }),
    release: (containerId, userId) => deps.cache.delete(typingKey(containerId, userId)),
    publish: (event) => deps.bus.publishEphemeral(event),
  };

  const attachmentUrls = createAttachmentUrls(deps.blob, deps.config.messages.attachmentUrlTtlSeconds);

  const subgraph = createSubgraph<MessagesContext>({
    name: 'messages',
    typeDefs,
    resolvers,
    verifier: createIdentityVerifier(deps.config.secrets.internal),
    log: deps.log,
    accountExists: (userId) => userExists(deps.db, userId),
    context: (base) => {
      const userId = base.identity.kind === 'user' ? base.identity.userId : undefined;
      return {
        ...base,
        stores,
        timeline,
        sendLimiter,
        slowmode,
        typing,
        attachmentUrls,
        loaders: {
          access: new DataLoader((ids: readonly string[]) =>
            Promise.all(ids.map((containerId) => stores.access.channelAccess(containerId, userId))),
          ),
          message: new DataLoader(async (keys: readonly string[]) => {
            const byChannel = new Map<string, string[]>();
            for (const key of keys) {
              const [channelId = '', messageId = ''] = key.split(':');
              byChannel.set(channelId, [...(byChannel.get(channelId) ?? []), messageId]);
            }
            const found = new Map<string, TimelineMessage>();
            await Promise.all(
              [...byChannel].map(async ([channelId, ids]) => {
                for (const m of await timeline.get(channelId, ids)) found.set(`${channelId}:${m.id}`, m);
              }),
            );
            return keys.map((key) => found.get(key));
          }),
        },
      };
    },
  });
  return { name: 'subgraph:messages', fetch: async (request) => subgraph.fetch(request) };
}

function createAttachmentUrls(
  blob: BlobStore | undefined,
  ttlSeconds: number,
): MessagesContext['attachmentUrls'] {
  const store = () => {
    if (!blob) throw new Error('messages role started without a blob store');
    return blob;
  };
  return {
    download: (a) =>
      store().presignGet(a.cleaned ? cleanedKey(a.id) : originalKey(a.id), {
        expiresInSeconds: ttlSeconds,
        contentType: a.contentType,
        disposition: a.disposition ?? 'attachment',
        filename: a.filename,
      }),
    preview: (a, size) =>
      store().presignGet(previewKey(a.id, size), {
        expiresInSeconds: ttlSeconds,
        contentType: 'image/webp',
        disposition: 'inline',
      }),
  };
}
