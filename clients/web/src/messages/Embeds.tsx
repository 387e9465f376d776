import type { EmbedFieldsFragment } from '@gochat/react';
import { useState, type ReactNode } from 'react';

import { fitInside } from '../media/format.ts';

type Embed = EmbedFieldsFragment;
type EmbedMedia = NonNullable<Embed['image']>;

/** The largest box a large picture is shown in, in CSS pixels. */
const IMAGE_BOX = { width: 400, height: 300 };
/** A large picture of unknown size is shown in a 16:9 box (contained). */
const UNKNOWN_IMAGE = { width: 400, height: 225 };
/** The box of a thumbnail, beside the text. */
const THUMBNAIL_BOX = { width: 80, height: 80 };
/** Links other people wrote: a new tab, no referrer, no opener, no endorsement. */
const LINK_REL = 'noopener noreferrer nofollow ugc';

/**
 * A URL an embed may link to or show: absolute http(s), or a path on this server (stored copies of
 * link previews' pictures). Anything else (javascript:, data:) is not used.
 */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url, window.location.origin);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The embed's edge colour, 0xRRGGBB, as CSS. */
const colourOf = (color: number | null) =>
  color === null ? undefined : `#${(color & 0xffffff).toString(16).padStart(6, '0')}`;

/** What the embed is called for screen readers: "Embed: <title or url>". */
function labelOf(embed: Embed): string {
  const name = embed.title ?? embed.author?.name ?? embed.url ?? embed.provider?.name;
  return name ? `Embed: ${name}` : 'Embed';
}

/**
 * A message's embeds, under its content and attachments, as Discord shows them: rich embeds and link
 * previews as cards with a coloured edge; a picture alone for an image link; a video's thumbnail
 * with a play button that opens the video in a new tab (no third-party player is ever loaded, so
 * readers' addresses do not reach other sites); audio as a link. Text is shown as text, never HTML.
 */
export function Embeds({ embeds }: { embeds: readonly Embed[] }) {
  if (!embeds.length) return null;
  return (
    <div className="embeds">
      {embeds.map((embed, index) =>
        embed.type === 'IMAGE' && (embed.image ?? embed.thumbnail) ? (
          <ImageEmbed key={index} embed={embed} media={(embed.image ?? embed.thumbnail)!} />
        ) : (
          <EmbedCard key={index} embed={embed} />
        ),
      )}
    </div>
  );
}

function ExternalLink({
  href,
  className,
  label,
  children,
}: {
  href: string | null;
  className?: string;
  label?: string;
  children: ReactNode;
}) {
  if (!href) return <span className={className}>{children}</span>;
  return (
    <a href={href} className={className} target="_blank" rel={LINK_REL} aria-label={label}>
      {children}
    </a>
  );
}

/** A picture from an embed: its box reserved by width and height, loaded lazily, without a referrer. */
function EmbedPicture({
  media,
  box,
  alt,
  className,
}: {
  media: EmbedMedia;
  box: { width: number; height: number };
  alt: string;
  className: string;
}) {
  const [failed, setFailed] = useState(false);
  const src = safeUrl(media.url);
  if (!src || failed) return null;
  // Unknown sizes get a fixed box (CSS contains the picture in it), so nothing moves when it loads.
  const size =
    media.width && media.height
      ? fitInside(media.width, media.height, box.width, box.height)
      : box === IMAGE_BOX
        ? UNKNOWN_IMAGE
        : box;
  return (
    <img
      className={className}
      src={src}
      alt={alt}
      width={size.width}
      height={size.height}
      loading="lazy"
      decoding="async"
      referrerPolicy="no-referrer"
      onError={() => setFailed(true)}
    />
  );
}

/** An image link's preview: the picture alone, linking to where it came from. */
function ImageEmbed({ embed, media }: { embed: Embed; media: EmbedMedia }) {
  const href = safeUrl(embed.url);
  return (
    <div className="embed-image-only" role="group" aria-label={labelOf(embed)}>
      <ExternalLink href={href}>
        <EmbedPicture media={media} box={IMAGE_BOX} alt={embed.title ?? 'Image'} className="embed-image" />
      </ExternalLink>
    </div>
  );
}

function EmbedCard({ embed }: { embed: Embed }) {
  const url = safeUrl(embed.url);
  const provider = embed.provider?.name ? embed.provider : null;
  const author = embed.author;
  const authorIcon = safeUrl(author?.iconUrl);
  const footerIcon = safeUrl(embed.footer?.iconUrl);
  const timestamp = embed.timestamp ? new Date(embed.timestamp) : null;
  const validTime = timestamp && !Number.isNaN(timestamp.getTime()) ? timestamp : null;
  const isVideo = embed.type === 'VIDEO';
  const isAudio = embed.type === 'AUDIO';
  // A video shows its thumbnail large, with a play button; other cards show it small, at the right.
  const large = embed.image ?? (isVideo ? embed.thumbnail : null);
  const small = isVideo ? null : embed.thumbnail;
  const videoUrl = isVideo ? (url ?? safeUrl(embed.video?.url)) : null;
  const audioUrl = isAudio ? (safeUrl(embed.audio?.url) ?? url) : null;
  const name = embed.title ?? embed.url ?? 'video';
  return (
    <div
      className={`embed embed-${embed.type.toLowerCase()}`}
      role="group"
      aria-label={labelOf(embed)}
      style={{ borderLeftColor: colourOf(embed.color) }}
    >
      <div className="embed-body">
        {provider && (
          <div className="embed-provider">
            <ExternalLink href={safeUrl(provider.url)}>{provider.name}</ExternalLink>
          </div>
        )}
        {author && (
          <div className="embed-author">
            {authorIcon && (
              <img
                src={authorIcon}
                alt=""
                width={24}
                height={24}
                loading="lazy"
                referrerPolicy="no-referrer"
              />
            )}
            <ExternalLink href={safeUrl(author.url)}>{author.name}</ExternalLink>
          </div>
        )}
        {embed.title && (
          <div className="embed-title">
            <ExternalLink href={url}>{embed.title}</ExternalLink>
          </div>
        )}
        {embed.description && <p className="embed-description">{embed.description}</p>}
        {embed.fields.length > 0 && (
          <dl className="embed-fields">
            {embed.fields.map((field, index) => (
              <div key={index} className={field.inline ? 'embed-field inline' : 'embed-field'}>
                <dt>{field.name}</dt>
                <dd>{field.value}</dd>
              </div>
            ))}
          </dl>
        )}
        {audioUrl && (
          <p className="embed-audio">
            <ExternalLink
              href={audioUrl}
              label={`Listen: ${embed.title ?? embed.url ?? 'audio'} (opens in a new tab)`}
            >
              ▶ Listen
            </ExternalLink>
          </p>
        )}
        {large &&
          (videoUrl ? (
            <div className="embed-video">
              <EmbedPicture media={large} box={IMAGE_BOX} alt="" className="embed-image" />
              <a
                className="embed-play"
                href={videoUrl}
                target="_blank"
                rel={LINK_REL}
                aria-label={`Play ${name} (opens in a new tab)`}
              >
                <span aria-hidden="true">▶</span>
              </a>
            </div>
          ) : (
            <EmbedPicture media={large} box={IMAGE_BOX} alt={embed.title ?? ''} className="embed-image" />
          ))}
        {!large && videoUrl && (
          <p className="embed-audio">
            <ExternalLink href={videoUrl} label={`Play ${name} (opens in a new tab)`}>
              ▶ Play video
            </ExternalLink>
          </p>
        )}
        {(embed.footer || validTime) && (
          <div className="embed-footer">
            {footerIcon && (
              <img
                src={footerIcon}
                alt=""
                width={20}
                height={20}
                loading="lazy"
                referrerPolicy="no-referrer"
              />
            )}
            {embed.footer && <span>{embed.footer.text}</span>}
            {embed.footer && validTime && <span aria-hidden="true"> • </span>}
            {validTime && (
              <time dateTime={validTime.toISOString()}>
                {validTime.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' })}
              </time>
            )}
          </div>
        )}
      </div>
      {small && <EmbedPicture media={small} box={THUMBNAIL_BOX} alt="" className="embed-thumbnail" />}
    </div>
  );
}
