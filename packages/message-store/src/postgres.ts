import type { Database, Transaction } from '@gochat/db';
import { messages } from '@gochat/drizzle';
import type { Embed } from '@gochat/embeds';
import { and, asc, desc, eq, gt, gte, inArray, isNull, lt, lte, sql } from 'drizzle-orm';

import type {
  AttachmentRef,
  HistoryQuery,
  LinkEmbeds,
  MessageMentions,
  MessageTimeline,
  StagedMutation,
  TimelineMessage,
  TimelineMutation,
} from './port.ts';

type SetLinkEmbeds = Extract<TimelineMutation, { op: 'setLinkEmbeds' }>;

type Row = typeof messages.$inferSelect;

const toMessage = (row: Row): TimelineMessage => ({
  id: row.id,
  channelId: row.channelId,
  parentChannelId: row.parentChannelId,
  guildId: row.guildId,
  authorId: row.authorId,
  kind: row.kind,
  content: row.content,
  replyToId: row.replyToId,
  mentions: row.mentions as MessageMentions,
  attachments: row.attachments as AttachmentRef[],
  editedAt: row.editedAt,
  embeds: row.embeds as Embed[],
  linkEmbeds: row.linkEmbeds as LinkEmbeds | null,
  embedsSuppressed: row.embedsSuppressed,
});

/** Applies one mutation with the given connection (a transaction, or the pool). */
export async function applyToPostgres(tx: Transaction | Database, mutation: TimelineMutation): Promise<void> {
  switch (mutation.op) {
    case 'insert': {
      const m = mutation.message;
      await tx.insert(messages).values({ ...m, embeds: m.embeds ?? [] });
      return;
    }
    case 'setLinkEmbeds': {
      // Only onto the content they were made from: an edit since then changed edited_at.
      const { version } = mutation.linkEmbeds;
      await tx
        .update(messages)
        .set({ linkEmbeds: mutation.linkEmbeds })
        .where(
          and(
            eq(messages.channelId, mutation.channelId),
            eq(messages.id, mutation.id),
            version === 'original' ? isNull(messages.editedAt) : eq(messages.editedAt, new Date(version)),
          ),
        );
      return;
    }
    case 'suppressEmbeds':
      await tx
        .update(messages)
        .set({ embedsSuppressed: mutation.suppressed })
        .where(and(eq(messages.channelId, mutation.channelId), eq(messages.id, mutation.id)));
      return;
    case 'edit':
      await tx
        .update(messages)
        .set({
          content: mutation.content,
          mentions: mutation.mentions,
          editedAt: new Date(mutation.editedAt),
        })
        .where(and(eq(messages.channelId, mutation.channelId), eq(messages.id, mutation.id)));
      return;
    case 'delete':
      if (mutation.ids.length)
        await tx
          .delete(messages)
          .where(and(eq(messages.channelId, mutation.channelId), inArray(messages.id, mutation.ids)));
  }
}

/**
 * The previews of many messages in one statement, each only onto the content version it was made
 * from (as applyToPostgres does one by one): a statement per message cost the embedder more than
 * fetching and parsing the page (bench:embeds). A message named twice keeps the last write.
 */
async function setLinkEmbedsTogether(tx: Transaction, mutations: readonly SetLinkEmbeds[]): Promise<void> {
  const rows = new Map<string, object>();
  for (const { channelId, id, linkEmbeds } of mutations) {
    const editedAt = linkEmbeds.version === 'original' ? null : new Date(linkEmbeds.version).toISOString();
    rows.set(`${channelId}:${id}:${editedAt}`, {
      channel_id: channelId,
      id,
      edited_at: editedAt,
      link_embeds: linkEmbeds,
    });
  }
  await tx.execute(sql`/* message-store: link previews of several messages */
    update ${messages} as m set link_embeds = v.link_embeds
    from jsonb_to_recordset(${JSON.stringify([...rows.values()])}::jsonb)
      as v(channel_id bigint, id bigint, edited_at timestamptz, link_embeds jsonb)
    where m.channel_id = v.channel_id and m.id = v.id and m.edited_at is not distinct from v.edited_at`);
}

/** Stages in order; each run of two or more setLinkEmbeds is one statement. */
async function stageManyInPostgres(tx: Transaction, staged: readonly StagedMutation[]): Promise<void> {
  let run: SetLinkEmbeds[] = [];
  const flush = async () => {
    if (run.length === 1) await applyToPostgres(tx, run[0]!);
    else if (run.length > 1) await setLinkEmbedsTogether(tx, run);
    run = [];
  };
  for (const { mutation } of staged) {
    if (mutation.op === 'setLinkEmbeds') {
      run.push(mutation);
      continue;
    }
    await flush();
    await applyToPostgres(tx, mutation);
  }
  await flush();
}

/**
 * The PostgreSQL timeline: one table, served by the (channel_id, id desc) index, so a page is one
 * index range scan at any depth. Mutations apply in the caller's transaction.
 */
export function createPostgresTimeline(db: Database): MessageTimeline {
  const newestFirst = (rows: Row[]) => rows.map(toMessage).sort((a, b) => compareIdsDesc(a.id, b.id));

  const page = (
    channelId: string,
    limit: number,
    cursor?: { op: 'lt' | 'gt' | 'lte' | 'gte'; id: string },
  ) => {
    const where = cursor
      ? and(eq(messages.channelId, channelId), { lt, gt, lte, gte }[cursor.op](messages.id, cursor.id))
      : eq(messages.channelId, channelId);
    const ascending = cursor?.op === 'gt' || cursor?.op === 'gte';
    return db
      .select()
      .from(messages)
      .where(where)
      .orderBy(ascending ? asc(messages.id) : desc(messages.id))
      .limit(limit);
  };

  return {
    kind: 'postgres',
    async get(channelId, ids) {
      if (ids.length === 0) return [];
      const rows = await db
        .select()
        .from(messages)
        .where(and(eq(messages.channelId, channelId), inArray(messages.id, [...ids])));
      return rows.map(toMessage);
    },
    async history(query: HistoryQuery) {
      const { channelId, limit } = query;
      if (query.before) return newestFirst(await page(channelId, limit, { op: 'lt', id: query.before }));
      if (query.after) return newestFirst(await page(channelId, limit, { op: 'gt', id: query.after }));
      if (query.around) {
        const older = Math.floor(limit / 2);
        const [upTo, newer] = await Promise.all([
          page(channelId, older + 1, { op: 'lte', id: query.around }),
          page(channelId, limit - older - 1, { op: 'gt', id: query.around }),
        ]);
        return newestFirst([...newer, ...upTo]).slice(0, limit);
      }
      return newestFirst(await page(channelId, limit));
    },
    async authoredSince(containerIds, authorId, sinceId, tx) {
      if (containerIds.length === 0) return [];
      return (tx ?? db)
        .select({ channelId: messages.channelId, id: messages.id })
        .from(messages)
        .where(
          and(
            inArray(messages.channelId, [...containerIds]),
            eq(messages.authorId, authorId),
            gte(messages.id, sinceId),
          ),
        );
    },
    async authoredBy(authorId, { before, limit }) {
      const rows = await db
        .select()
        .from(messages)
        .where(
          and(
            eq(messages.authorId, authorId),
            eq(messages.kind, 'default'),
            before ? lt(messages.id, before) : undefined,
          ),
        )
        .orderBy(desc(messages.id))
        .limit(limit);
      return rows.map(toMessage);
    },
    stage: (tx, _eventId, mutation) => applyToPostgres(tx, mutation),
    stageMany: stageManyInPostgres,
    afterCommit: async () => {},
    applyPending: async () => {},
    ping: async () => {},
    close: async () => {},
  };
}

/** Snowflakes as decimal strings: longer is larger, then lexical order. */
export function compareIdsDesc(a: string, b: string): number {
  if (a.length !== b.length) return b.length - a.length;
  return a < b ? 1 : a > b ? -1 : 0;
}
