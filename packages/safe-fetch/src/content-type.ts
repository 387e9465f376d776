/** The media type of a Content-Type header, lower case and without parameters: `text/html`. */
export function mediaTypeOf(contentType: string): string {
  return (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
}

/**
 * Whether a media type is one the caller reads. An entry ending in '/' accepts the whole family
 * ('image/' accepts image/png); any other entry accepts exactly that type. No type accepts nothing.
 */
export function isAccepted(mediaType: string, acceptTypes: readonly string[]): boolean {
  if (mediaType === '') return false;
  return acceptTypes.some((entry) => {
    const accepted = entry.toLowerCase();
    return accepted.endsWith('/') ? mediaType.startsWith(accepted) : mediaType === accepted;
  });
}

/** The Accept header for the same list: 'image/' is sent as image/*. */
export function acceptHeader(acceptTypes: readonly string[]): string {
  return acceptTypes.map((entry) => (entry.endsWith('/') ? `${entry}*` : entry)).join(', ');
}
