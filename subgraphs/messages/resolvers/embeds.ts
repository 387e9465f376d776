import { toApiEmbeds, validateRichEmbeds, type Embed as StoredEmbed } from '@gochat/embeds';
import { validation } from '@gochat/errors';
import { visibleEmbeds, type TimelineMessage } from '@gochat/message-store';

import type { EmbedInput } from '../generated/resolvers.ts';

/** Message.embeds: sent embeds, then the link previews of the current content unless suppressed. */
export const embedsOf = (message: TimelineMessage) => toApiEmbeds(visibleEmbeds(message));

/** GraphQL nulls as absent fields, so the limits see only what was sent. */
const present = <T extends object>(value: T | null | undefined): Partial<T> | undefined =>
  value == null
    ? undefined
    : (Object.fromEntries(Object.entries(value).filter(([, v]) => v != null)) as Partial<T>);

/**
 * sendMessage's embeds, checked against GoChat's limits (@gochat/embeds): VALIDATION naming every
 * problem with its path (`embeds[0].fields[3].value`), the first as the field.
 */
export function richEmbedsFrom(input: readonly EmbedInput[]): StoredEmbed[] {
  const candidate = input.map((embed) => ({
    ...present({
      title: embed.title,
      description: embed.description,
      url: embed.url,
      color: embed.color,
      timestamp: embed.timestamp?.toISOString(),
    }),
    author: present(embed.author),
    footer: present(embed.footer),
    image: embed.imageUrl ? { url: embed.imageUrl } : undefined,
    thumbnail: embed.thumbnailUrl ? { url: embed.thumbnailUrl } : undefined,
    fields: embed.fields?.map((f) => present(f)),
  }));
  const result = validateRichEmbeds(candidate);
  if (result.ok) return result.embeds;
  const problems = result.issues.map((issue) => `${issue.path} ${issue.message}`);
  throw validation(`Invalid embeds: ${problems.join('; ')}.`, result.issues[0]?.path ?? 'embeds');
}
