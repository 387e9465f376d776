const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * RFC 6266: an ASCII `filename` for old clients plus `filename*=UTF-8''…` (RFC 8187) that every current
 * browser prefers. Quotes, backslashes, '%' (some clients percent-decode `filename`) and non-ASCII are
 * replaced in the fallback; the extended value percent-encodes everything outside attr-char.
 */
export function contentDisposition(disposition: 'inline' | 'attachment', filename?: string): string {
  if (filename === undefined || filename === '') return disposition;
  const name = filename.replace(LONE_SURROGATE, '\uFFFD');
  const fallback = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${disposition}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
