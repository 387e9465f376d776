import type { Embed } from '@gochat/embeds';

import type { TimelineMessage } from './port.ts';

/**
 * The version of a message's content that link previews are made for: the edit time, or `original`
 * before any edit. The embedder writes previews with the version it read; an edit changes the version,
 * so previews of the old links stop showing at once and the embedder's late write for an old version
 * is refused (PostgreSQL) or shadowed by the newer one (ScyllaDB write timestamps).
 */
export function contentVersion(message: Pick<TimelineMessage, 'editedAt'>): string {
  return message.editedAt ? message.editedAt.toISOString() : 'original';
}

/** Milliseconds the version stands for, for write timestamps: the edit time, or the id's time. */
export function versionTime(version: string, idTimeMs: number): number {
  if (version === 'original') return idTimeMs;
  const ms = Date.parse(version);
  if (!Number.isFinite(ms)) throw new Error(`invalid content version: ${version}`);
  return ms;
}

/**
 * What readers see: the embeds sent with the message, then its link previews when they belong to the
 * current content and were not suppressed (as GoChat's flag 4: suppressing hides generated embeds).
 */
export function visibleEmbeds(
  message: Pick<TimelineMessage, 'editedAt' | 'embeds' | 'linkEmbeds' | 'embedsSuppressed'>,
): Embed[] {
  const links =
    !message.embedsSuppressed && message.linkEmbeds?.version === contentVersion(message)
      ? message.linkEmbeds.embeds
      : [];
  return [...message.embeds, ...links];
}
