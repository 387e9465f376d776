/**
 * Helpers of the link-preview e2e tests: messages through the API as a client sends and reads them,
 * waiting for conditions (never fixed sleeps), and the embedder's log lines.
 */
import {
  EditMessageDocument,
  MessageDocument,
  SendMessageDocument,
  type EmbedInput,
  type MessageFieldsFragment,
} from '@gochat/react';
import { gqlOk, type GochatProcess, type TestUser } from '@gochat/testkit';

import type { Feed, FeedEvent } from '../realtime-flow.ts';

export type ShownMessage = MessageFieldsFragment;
export type ShownEmbed = ShownMessage['embeds'][number];
/** An embed as MessageEmbedsUpdated carries it (the stored JSON: lower-case types). */
export type EventEmbed = {
  type: string;
  url?: string;
  title?: string;
  description?: string;
  image?: { url: string; width?: number; height?: number };
  thumbnail?: { url: string; width?: number; height?: number };
};

/** Generous: the machine may be busy with other e2e files. */
export const WAIT_MS = 60_000;

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface Chat {
  url: string;
  send(user: TestUser, channelId: string, content: string, embeds?: EmbedInput[]): Promise<ShownMessage>;
  edit(user: TestUser, channelId: string, messageId: string, content: string): Promise<ShownMessage>;
  read(user: TestUser, channelId: string, messageId: string): Promise<ShownMessage>;
  /** Reads the message until its embeds pass `ok`. */
  embedsOf(
    user: TestUser,
    channelId: string,
    messageId: string,
    ok: (embeds: ShownEmbed[]) => boolean,
    timeoutMs?: number,
  ): Promise<ShownEmbed[]>;
}

export function chat(url: string): Chat {
  const read = async (user: TestUser, channelId: string, id: string) =>
    (await gqlOk(url, MessageDocument, { channelId, id }, user.jwt)).message;
  return {
    url,
    send: async (user, channelId, content, embeds) =>
      (await gqlOk(url, SendMessageDocument, { channelId, content, ...(embeds ? { embeds } : {}) }, user.jwt))
        .sendMessage,
    edit: async (user, channelId, messageId, content) =>
      (await gqlOk(url, EditMessageDocument, { channelId, messageId, content }, user.jwt)).editMessage,
    read,
    embedsOf: (user, channelId, messageId, ok, timeoutMs = WAIT_MS) =>
      until(
        `the embeds of message ${messageId}`,
        async () => {
          const { embeds } = await read(user, channelId, messageId);
          return ok(embeds) ? embeds : undefined;
        },
        timeoutMs,
      ),
  };
}

/** The MessageEmbedsUpdated events of one message a feed received so far, in order. */
export const embedsUpdates = (feed: Feed, messageId: string): FeedEvent[] =>
  feed.payloads
    .map((p) => p.viewerFeed!)
    .filter((e) => e.type === 'MessageEmbedsUpdated' && e.data.messageId === messageId);

/** Waits until the feed has received `count` MessageEmbedsUpdated events of the message; the last one. */
export const embedsUpdate = (feed: Feed, messageId: string, count = 1): Promise<FeedEvent> =>
  until(`MessageEmbedsUpdated #${count} of message ${messageId}`, () => {
    const updates = embedsUpdates(feed, messageId);
    return updates.length >= count ? updates[count - 1] : undefined;
  });

/** The URL resolved against GoChat's own address (a stored picture's URL may be a path). */
export const resolved = (gochatUrl: string, url: string) => new URL(url, gochatUrl);

/** Asserts nothing; true when the picture's URL is a copy GoChat serves under /media/. */
export const isOwnCopy = (gochatUrl: string, url: string | undefined): boolean => {
  if (!url) return false;
  const parsed = resolved(gochatUrl, url);
  return parsed.origin === new URL(gochatUrl).origin && parsed.pathname.startsWith('/media/');
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One JSON log record of the process. */
export type LogRecord = Record<string, unknown> & { level: number; msg: string };

/** Waits for the embedder's warn line refusing to fetch `link` (the normalised link), and parses it. */
export async function refusalLogged(gochat: GochatProcess, link: string, timeoutMs = WAIT_MS) {
  const line = await gochat.waitForLine(
    new RegExp(`^(?=.*"link":${escapeRegExp(JSON.stringify(link))})(?=.*"msg":"unfurl: refused to fetch)`),
    timeoutMs,
  );
  return JSON.parse(line) as LogRecord;
}

/** The unfurler's log records (any level) about `link`. */
export const unfurlRecords = (gochat: GochatProcess, link: string): LogRecord[] =>
  gochat.stdout.flatMap((line) => {
    if (!line.startsWith('{') || !line.includes('unfurl')) return [];
    try {
      const record = JSON.parse(line) as LogRecord;
      return record.link === link || record.url === link ? [record] : [];
    } catch {
      return [];
    }
  });
