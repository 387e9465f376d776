/**
 * @gochat/embeds: the pure part of link previews and message embeds. Which links of a message get a
 * preview (extractLinks), their cache key (normaliseUrl), reading a fetched page (parsePageMetadata)
 * or oEmbed response (oembedEndpointFor, parseOembed), turning those into an embed (buildLinkEmbed),
 * and checking the embeds users send (validateRichEmbeds). Nothing here fetches: @gochat/safe-fetch does.
 */
export { brandColour, parseColour } from './colour.ts';
export { extractLinks } from './extract-links.ts';
export { isLikelyHomograph } from './homograph.ts';
export {
  EMBED_LIMITS,
  MAX_EMBEDS_PER_MESSAGE,
  MAX_LINKS_PER_MESSAGE,
  MAX_OEMBED_BYTES,
  MAX_URL_LENGTH,
  PAGE_LIMITS,
} from './limits.ts';
export { buildLinkEmbed } from './link-embed.ts';
export type { DirectMedia, LinkEmbedInput } from './link-embed.ts';
export { normaliseUrl } from './normalise-url.ts';
export { oembedEndpointFor, parseOembed } from './oembed.ts';
export type { OembedOptions } from './oembed.ts';
export { parsePageMetadata } from './page-metadata.ts';
export { embedsTextLength, validateRichEmbeds } from './rich-embeds.ts';
export type { RichEmbedIssue, RichEmbedsResult } from './rich-embeds.ts';
export type {
  Embed,
  EmbedField,
  EmbedMedia,
  EmbedType,
  OembedData,
  PageImage,
  PageMetadata,
  PageVideo,
} from './types.ts';
export { YOUTUBE_EMBED_BASE, youtubeEmbedUrl, youtubeVideoId } from './youtube.ts';
export { toApiEmbeds, type ApiEmbed, type ApiEmbedMedia, type ApiEmbedType } from './api-shape.ts';
