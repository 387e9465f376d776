/** A picture, video or sound shown in an embed. `url` is always an absolute http(s) URL. */
export interface EmbedMedia {
  url: string;
  width?: number;
  height?: number;
  contentType?: string;
}

export type EmbedType = 'rich' | 'image' | 'video' | 'audio' | 'article' | 'link';

/**
 * A Discord-like embed. Link previews are built by buildLinkEmbed; users' (bot-style) embeds are
 * checked by validateRichEmbeds and always have type 'rich'.
 */
export interface Embed {
  type: EmbedType;
  url?: string;
  title?: string;
  description?: string;
  /** 0xRRGGBB. */
  color?: number;
  /** ISO-8601, UTC. */
  timestamp?: string;
  /** The provider's name, as shown above the title. */
  siteName?: string;
  provider?: { name?: string; url?: string };
  author?: { name: string; url?: string; iconUrl?: string };
  footer?: { text: string; iconUrl?: string };
  image?: EmbedMedia;
  thumbnail?: EmbedMedia;
  video?: EmbedMedia;
  audio?: EmbedMedia;
  fields?: EmbedField[];
}

export interface EmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

/** An image a page declares (og:image, twitter:image). */
export interface PageImage {
  url: string;
  width?: number;
  height?: number;
  alt?: string;
}

/** A video or player a page declares (og:video, twitter:player). */
export interface PageVideo {
  url: string;
  width?: number;
  height?: number;
  contentType?: string;
}

/**
 * What parsePageMetadata read from a page's head. Every URL is absolute, http(s) and normalised;
 * every string is trimmed, entity-decoded, capped, and absent rather than empty.
 */
export interface PageMetadata {
  /** `<title>`. */
  title?: string;
  /** `<meta name="description">`. */
  description?: string;
  /** `<meta name="theme-color">`, as written (parse it with parseColour). */
  themeColor?: string;
  /** `<link rel="canonical">`. */
  canonicalUrl?: string;
  /** `<link rel="alternate" type="application/json+oembed">`: the page's own oEmbed endpoint. */
  oembedUrl?: string;
  /** `<meta name="author">`, or `article:author` when that is a name. */
  author?: string;
  /** `article:author` when it is a profile URL. */
  authorUrl?: string;
  openGraph: {
    title?: string;
    description?: string;
    siteName?: string;
    /** Lowercased: `website`, `article`, `video.other`... */
    type?: string;
    url?: string;
    /** The first og:image with its own properties; a secure_url is preferred over the plain one. */
    image?: PageImage;
    video?: PageVideo;
  };
  twitter: {
    /** Lowercased: `summary`, `summary_large_image`, `player`, `app`. */
    card?: string;
    title?: string;
    description?: string;
    image?: PageImage;
    player?: PageVideo;
    /** The site's @handle. */
    site?: string;
    /** The author's @handle. */
    creator?: string;
  };
}

/** The fields of an oEmbed response GoChat keeps (never the provider's `html`). */
export interface OembedData {
  type: 'photo' | 'video' | 'link' | 'rich';
  title?: string;
  authorName?: string;
  authorUrl?: string;
  providerName?: string;
  providerUrl?: string;
  thumbnail?: EmbedMedia;
  /** The picture of a `photo` response. */
  url?: string;
  width?: number;
  height?: number;
}
