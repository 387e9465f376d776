import { validateRichEmbeds, type Embed as StoredEmbed, type EmbedMedia } from '@gochat/embeds';
import { validation } from '@gochat/errors';
import { visibleEmbeds, type TimelineMessage } from '@gochat/message-store';

import type { Embed, EmbedInput, EmbedType } from '../generated/resolvers.ts';

const TYPES: Record<StoredEmbed['type'], EmbedType> = {
  rich: 'RICH',
  image: 'IMAGE',
  video: 'VIDEO',
  audio: 'AUDIO',
  article: 'ARTICLE',
  link: 'LINK',
};

const media = (m: EmbedMedia | undefined) =>
  m
    ? { url: m.url, width: m.width ?? null, height: m.height ?? null, contentType: m.contentType ?? null }
    : null;

/** A stored embed as the API shows it. */
function toApi(embed: StoredEmbed): Embed {
  const provider = embed.provider ?? (embed.siteName ? { name: embed.siteName } : undefined);
  return {
    type: TYPES[embed.type],
    url: embed.url ?? null,
    title: embed.title ?? null,
    description: embed.description ?? null,
    color: embed.color ?? null,
    timestamp: embed.timestamp ?? null,
    provider: provider ? { name: provider.name ?? null, url: provider.url ?? null } : null,
    author: embed.author
      ? { name: embed.author.name, url: embed.author.url ?? null, iconUrl: embed.author.iconUrl ?? null }
      : null,
    footer: embed.footer ? { text: embed.footer.text, iconUrl: embed.footer.iconUrl ?? null } : null,
    image: media(embed.image),
    thumbnail: media(embed.thumbnail),
    video: media(embed.video),
    audio: media(embed.audio),
    fields: (embed.fields ?? []).map((f) => ({ name: f.name, value: f.value, inline: f.inline ?? false })),
  };
}

/** Message.embeds: sent embeds, then the link previews of the current content unless suppressed. */
export const embedsOf = (message: TimelineMessage): Embed[] => visibleEmbeds(message).map(toApi);

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
