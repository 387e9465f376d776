import {
  EMBED_LIMITS,
  embedsTextLength,
  extractLinks,
  MAX_EMBEDS_PER_MESSAGE,
  MAX_LINKS_PER_MESSAGE,
  type Embed,
} from '@gochat/embeds';

/**
 * The links of a message to unfurl, normalised, in order: at most MAX_LINKS_PER_MESSAGE (5), and no
 * more than the embeds the message sent leave room for (MAX_EMBEDS_PER_MESSAGE, 10, in all).
 */
export function linksToUnfurl(content: string, manualEmbedCount: number): string[] {
  const manual = Number.isFinite(manualEmbedCount) ? Math.max(0, Math.floor(manualEmbedCount)) : 0;
  const room = Math.min(MAX_LINKS_PER_MESSAGE, MAX_EMBEDS_PER_MESSAGE - manual);
  return room >= 1 ? extractLinks(content, room) : [];
}

/**
 * The generated embeds (link previews) that fit beside the message's own embeds: the last ones are
 * dropped until the message has at most MAX_EMBEDS_PER_MESSAGE embeds and EMBED_LIMITS.totalText
 * characters of text in all. The manual embeds are never touched (they were validated when sent);
 * the result is the generated embeds to store, in their order.
 */
export function fitEmbeds(manual: readonly Embed[], generated: readonly Embed[]): Embed[] {
  const kept = generated.slice(0, Math.max(0, MAX_EMBEDS_PER_MESSAGE - manual.length));
  let total = embedsTextLength(manual) + embedsTextLength(kept);
  while (total > EMBED_LIMITS.totalText) {
    const dropped = kept.pop();
    if (dropped === undefined) break;
    total -= embedsTextLength([dropped]);
  }
  return kept;
}
