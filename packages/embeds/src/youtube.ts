/**
 * YouTube video ids in the URL forms people paste: youtube.com/watch?v=, youtu.be/, /shorts/, /embed/,
 * /live/ and /v/, on www., m., music. and youtube-nocookie.com. An id is exactly 11 characters of
 * base64url; anything else is not trusted into the URLs built from it.
 */

const VIDEO_ID = /^[A-Za-z0-9_-]{11}$/;
const YOUTUBE_HOSTS = new Set([
  'youtube.com',
  'www.youtube.com',
  'm.youtube.com',
  'music.youtube.com',
  'youtube-nocookie.com',
  'www.youtube-nocookie.com',
]);
const ID_IN_PATH = /^\/(?:shorts|embed|live|v)\/([^/]+)\/?$/;

export const YOUTUBE_EMBED_BASE = 'https://www.youtube.com/embed/';

/** The video id of a YouTube link, or null when `url` is not one. */
export function youtubeVideoId(url: string | URL): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  const host = parsed.hostname;
  let id: string | null | undefined;
  if (host === 'youtu.be' || host === 'www.youtu.be') {
    id = parsed.pathname.slice(1).replace(/\/$/, '');
  } else if (YOUTUBE_HOSTS.has(host)) {
    id = parsed.pathname === '/watch' ? parsed.searchParams.get('v') : ID_IN_PATH.exec(parsed.pathname)?.[1];
  }
  return id && VIDEO_ID.test(id) ? id : null;
}

/** The player URL of a YouTube link (`https://www.youtube.com/embed/{id}`), or null. */
export function youtubeEmbedUrl(url: string | URL, embedBase: string = YOUTUBE_EMBED_BASE): string | null {
  const id = youtubeVideoId(url);
  return id === null ? null : `${embedBase}${id}`;
}

/** The canonical watch page of a YouTube link, or null. */
export function youtubeWatchUrl(url: string | URL): string | null {
  const id = youtubeVideoId(url);
  return id === null ? null : `https://www.youtube.com/watch?v=${id}`;
}
