import { brandColour, parseColour } from './colour.ts';
import { EMBED_LIMITS } from './limits.ts';
import { normaliseUrl } from './normalise-url.ts';
import { truncate } from './text.ts';
import type {
  Embed,
  EmbedMedia,
  EmbedType,
  OembedData,
  PageImage,
  PageMetadata,
  PageVideo,
} from './types.ts';
import { YOUTUBE_EMBED_BASE, youtubeEmbedUrl } from './youtube.ts';

/** What the fetcher learned when the link is a file rather than a page. */
export interface DirectMedia {
  /** The response's Content-Type (parameters are ignored). */
  contentType: string;
  width?: number;
  height?: number;
}

export interface LinkEmbedInput {
  /** The link as extracted from the message; the embed shows its normalised (punycode) form. */
  url: string;
  metadata?: PageMetadata;
  oembed?: OembedData | null;
  media?: DirectMedia;
  /** The Go original's `youtube_embed_base_url`. */
  youtubeEmbedBase?: string;
}

function dimension(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;
}

function media(url: string, width?: number, height?: number, contentType?: string): EmbedMedia {
  const result: EmbedMedia = { url };
  const w = dimension(width);
  const h = dimension(height);
  if (w !== undefined) result.width = w;
  if (h !== undefined) result.height = h;
  if (contentType) result.contentType = contentType;
  return result;
}

function fromPage(item: PageImage | PageVideo): EmbedMedia {
  return media(item.url, item.width, item.height, 'contentType' in item ? item.contentType : undefined);
}

/**
 * A link to a file is an embed of the file's kind. SVG is not shown: it is a document that can carry
 * scripts and links, and Discord does not preview it either.
 */
function directMediaEmbed(url: string, file: DirectMedia): Embed | null {
  const contentType = file.contentType.split(';')[0]!.trim().toLowerCase();
  if (contentType.startsWith('image/') && contentType !== 'image/svg+xml') {
    return { type: 'image', url, image: media(url, file.width, file.height, contentType) };
  }
  if (contentType.startsWith('video/')) {
    return { type: 'video', url, video: media(url, file.width, file.height, contentType) };
  }
  if (contentType.startsWith('audio/')) {
    return { type: 'audio', url, audio: media(url, undefined, undefined, contentType) };
  }
  return null;
}

/**
 * The type of a page's embed, from the strongest signal down: an oEmbed photo is an image, anything
 * playable (an oEmbed video, a YouTube link, og:video or a Twitter player card with a player URL) is a
 * video, og:type article is an article, the rest is a link. 'rich' is kept for users' embeds: a link
 * preview never carries provider HTML, so an oEmbed 'rich' response is shown as a link.
 */
function chooseType(
  metadata: PageMetadata | undefined,
  oembed: OembedData | null | undefined,
  video: EmbedMedia | undefined,
): EmbedType {
  if (oembed?.type === 'photo' && oembed.url !== undefined) return 'image';
  if (video !== undefined || oembed?.type === 'video') return 'video';
  if (metadata?.openGraph.type === 'article') return 'article';
  return 'link';
}

function videoOf(url: string, input: LinkEmbedInput): EmbedMedia | undefined {
  const player = youtubeEmbedUrl(url, input.youtubeEmbedBase ?? YOUTUBE_EMBED_BASE);
  if (player !== null) return media(player, input.oembed?.width, input.oembed?.height, 'text/html');
  const page = input.metadata;
  if (page?.openGraph.video) return fromPage(page.openGraph.video);
  if (page?.twitter.card === 'player' && page.twitter.player) {
    return { ...fromPage(page.twitter.player), contentType: 'text/html' };
  }
  return undefined;
}

/**
 * The preview of one link, or null when there is nothing worth showing: no title, description,
 * picture or video (or the URL is not http(s)).
 *
 * - A direct file (`media` with an image, video or audio Content-Type) is an embed of that type.
 * - A page: the title from oEmbed, og:title, twitter:title, then `<title>`; the description from
 *   og:description, twitter:description, then the meta description; the site from oEmbed's provider
 *   or og:site_name; the author from oEmbed or the page's author meta.
 * - The picture (an oEmbed photo, og:image, twitter:image, then oEmbed's thumbnail) is the large
 *   `image` when the page asks for it (twitter:card summary_large_image) or the embed is a photo, and
 *   a `thumbnail` otherwise (always for videos, as Discord does).
 * - The colour is the site's brand colour when known (YouTube red), else the page's theme-color.
 * - `url` is always the normalised link, never the page's og:url or canonical URL, which the page
 *   controls and which could name another site than the one the user linked.
 */
export function buildLinkEmbed(input: LinkEmbedInput): Embed | null {
  const url = normaliseUrl(input.url);
  if (url === null) return null;
  if (input.media !== undefined) {
    const file = directMediaEmbed(url, input.media);
    if (file !== null) return file;
  }
  const { metadata, oembed } = input;
  if (metadata === undefined && !oembed) return null;
  const og = metadata?.openGraph;
  const twitter = metadata?.twitter;

  const video = videoOf(url, input);
  const type = chooseType(metadata, oembed, video);
  const title = oembed?.title ?? og?.title ?? twitter?.title ?? metadata?.title;
  const description = og?.description ?? twitter?.description ?? metadata?.description;
  const pagePicture = og?.image ?? twitter?.image;
  const picture =
    type === 'image' && oembed?.url !== undefined
      ? media(oembed.url, oembed.width, oembed.height)
      : pagePicture !== undefined
        ? fromPage(pagePicture)
        : oembed?.thumbnail;
  if (!title && !description && !picture && !video) return null;

  const embed: Embed = { type, url };
  if (title) embed.title = truncate(title, EMBED_LIMITS.title);
  if (description) embed.description = truncate(description, EMBED_LIMITS.description);
  const colour = brandColour(new URL(url).hostname) ?? parseColour(metadata?.themeColor);
  if (colour !== undefined) embed.color = colour;

  const siteName = oembed?.providerName ?? og?.siteName;
  if (siteName) embed.siteName = truncate(siteName, EMBED_LIMITS.authorName);
  if (siteName || oembed?.providerUrl) {
    embed.provider = {};
    if (siteName) embed.provider.name = embed.siteName;
    if (oembed?.providerUrl) embed.provider.url = oembed.providerUrl;
  }

  const authorName = oembed?.authorName ?? metadata?.author;
  if (authorName) {
    embed.author = { name: truncate(authorName, EMBED_LIMITS.authorName) };
    const authorUrl = oembed?.authorName ? oembed.authorUrl : metadata?.authorUrl;
    if (authorUrl) embed.author.url = authorUrl;
  }

  if (picture) {
    const large = type === 'image' || (type !== 'video' && twitter?.card === 'summary_large_image');
    if (large) embed.image = picture;
    else embed.thumbnail = picture;
  }
  if (video) embed.video = video;
  return embed;
}
