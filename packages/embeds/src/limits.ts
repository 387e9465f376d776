/**
 * Every limit of this package in one place. The embed limits are GoChat's (the Go original's
 * `internal/embed/embed.go`), which are Discord's; lengths are counted in Unicode code points, as Go
 * counts runes.
 */

/** At most this many embeds on one message, user-sent and generated together. */
export const MAX_EMBEDS_PER_MESSAGE = 10;

/** At most this many links of one message get a preview. */
export const MAX_LINKS_PER_MESSAGE = 5;

/** Longer URLs are never extracted, fetched or stored (browsers and CDNs disagree beyond this). */
export const MAX_URL_LENGTH = 2048;

export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Title, description, field names and values, footer text and author name, over all embeds of a message. */
  totalText: 6000,
  url: MAX_URL_LENGTH,
} as const;

/** How much of a fetched page the metadata parser reads, and how long the strings it keeps may be. */
export const PAGE_LIMITS = {
  /** Bytes of a Buffer, UTF-16 code units of a string; the head of any real page fits. */
  inputSize: 512 * 1024,
  /** A page with thousands of meta tags is hostile or broken; the useful ones come first. */
  metaTags: 500,
  title: 256,
  description: 4096,
  /** Every other string (site name, type, alt text, author...). */
  text: 2048,
} as const;

/** An oEmbed response is a few hundred bytes; anything near this is not one. */
export const MAX_OEMBED_BYTES = 64 * 1024;
