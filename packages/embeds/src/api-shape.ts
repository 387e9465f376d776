import type { Embed, EmbedMedia } from './types.ts';

/**
 * A stored embed in the shape the GraphQL API shows (`Message.embeds`): the type upper-cased, absent
 * fields null, fields [] and `inline` false by default, the provider from `provider` or `siteName`.
 * The messages subgraph answers with it, and clients turn the stored embeds events carry into the
 * same objects (with `__typename`, which resolvers ignore and a client cache needs). Internal fields
 * (the picture's original URL, its placeholder) are left out. No dependencies: clients bundle it.
 */
export type ApiEmbedType = 'RICH' | 'IMAGE' | 'VIDEO' | 'AUDIO' | 'ARTICLE' | 'LINK';

export interface ApiEmbedMedia {
  __typename: 'EmbedMedia';
  url: string;
  width: number | null;
  height: number | null;
  contentType: string | null;
}

export interface ApiEmbed {
  __typename: 'Embed';
  type: ApiEmbedType;
  url: string | null;
  title: string | null;
  description: string | null;
  color: number | null;
  timestamp: string | null;
  provider: { __typename: 'EmbedProvider'; name: string | null; url: string | null } | null;
  author: { __typename: 'EmbedAuthor'; name: string; url: string | null; iconUrl: string | null } | null;
  footer: { __typename: 'EmbedFooter'; text: string; iconUrl: string | null } | null;
  image: ApiEmbedMedia | null;
  thumbnail: ApiEmbedMedia | null;
  video: ApiEmbedMedia | null;
  audio: ApiEmbedMedia | null;
  fields: { __typename: 'EmbedField'; name: string; value: string; inline: boolean }[];
}

const TYPES: Record<Embed['type'], ApiEmbedType> = {
  rich: 'RICH',
  image: 'IMAGE',
  video: 'VIDEO',
  audio: 'AUDIO',
  article: 'ARTICLE',
  link: 'LINK',
};

const media = (m: EmbedMedia | undefined): ApiEmbedMedia | null =>
  m
    ? {
        __typename: 'EmbedMedia',
        url: m.url,
        width: m.width ?? null,
        height: m.height ?? null,
        contentType: m.contentType ?? null,
      }
    : null;

/** Stored embeds in the API's shape, in order; a type this version does not know is left out. */
export function toApiEmbeds(embeds: readonly Embed[] | undefined): ApiEmbed[] {
  return (embeds ?? []).flatMap((embed): ApiEmbed[] => {
    const type = TYPES[embed.type] as ApiEmbedType | undefined;
    if (!type) return [];
    const provider = embed.provider ?? (embed.siteName ? { name: embed.siteName } : undefined);
    const { author, footer } = embed;
    return [
      {
        __typename: 'Embed',
        type,
        url: embed.url ?? null,
        title: embed.title ?? null,
        description: embed.description ?? null,
        color: embed.color ?? null,
        timestamp: embed.timestamp ?? null,
        provider: provider
          ? { __typename: 'EmbedProvider', name: provider.name ?? null, url: provider.url ?? null }
          : null,
        author: author
          ? {
              __typename: 'EmbedAuthor',
              name: author.name,
              url: author.url ?? null,
              iconUrl: author.iconUrl ?? null,
            }
          : null,
        footer: footer
          ? { __typename: 'EmbedFooter', text: footer.text, iconUrl: footer.iconUrl ?? null }
          : null,
        image: media(embed.image),
        thumbnail: media(embed.thumbnail),
        video: media(embed.video),
        audio: media(embed.audio),
        fields: (embed.fields ?? []).map((f) => ({
          __typename: 'EmbedField',
          name: f.name,
          value: f.value,
          inline: f.inline ?? false,
        })),
      },
    ];
  });
}
