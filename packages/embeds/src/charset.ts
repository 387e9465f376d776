/**
 * Turning a fetched page's bytes into text. The order follows the HTML standard's encoding sniffing,
 * simplified: a byte order mark wins, then the transport's charset (the Content-Type header, passed as
 * a hint), then a `<meta charset>` or `<meta http-equiv="Content-Type">` near the top, then UTF-8.
 * Labels are resolved by TextDecoder (the WHATWG Encoding list: windows-1252, shift_jis, gbk, euc-kr,
 * koi8-r...); an unknown label is ignored rather than trusted.
 */

/** How far into the page the standard looks for a meta charset is 1024 bytes; real pages need a bit more. */
const PRESCAN_BYTES = 4096;
const META_CHARSET = /charset\s*=\s*["']?\s*([^\s"';>/]+)/i;

/** The canonical encoding name for `label`, or null when TextDecoder does not know it. */
export function encodingFor(label: string): string | null {
  try {
    const encoding = new TextDecoder(label.trim()).encoding;
    // The standard: a page cannot declare itself UTF-16 from inside (the bytes would not be ASCII).
    if (encoding === 'utf-16le' || encoding === 'utf-16be') return 'utf-8';
    return encoding;
  } catch {
    return null;
  }
}

function bomEncoding(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  return null;
}

/** A charset hint is a bare label (`Shift_JIS`) or a whole Content-Type (`text/html; charset=…`). */
function hintEncoding(hint: string | undefined): string | null {
  if (hint === undefined) return null;
  if (!hint.includes('=')) return encodingFor(hint);
  const match = META_CHARSET.exec(hint);
  return match ? encodingFor(match[1]!) : null;
}

/** The first declared charset of a `<meta>` tag in the top of the page. */
function metaEncoding(bytes: Uint8Array): string | null {
  // Latin-1 maps every byte to one character, so offsets and ASCII markup survive any real encoding.
  const top = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, PRESCAN_BYTES))
    .toString('latin1')
    .toLowerCase();
  let from = 0;
  for (;;) {
    const start = top.indexOf('<meta', from);
    if (start === -1) return null;
    const end = top.indexOf('>', start);
    const tag = top.slice(start, end === -1 ? top.length : end);
    const match = META_CHARSET.exec(tag);
    const encoding = match ? encodingFor(match[1]!) : null;
    if (encoding !== null) return encoding;
    if (end === -1) return null;
    from = end;
  }
}

/** The encoding to decode `bytes` with, following the order described above. */
export function sniffEncoding(bytes: Uint8Array, hint?: string): string {
  return bomEncoding(bytes) ?? hintEncoding(hint) ?? metaEncoding(bytes) ?? 'utf-8';
}

/**
 * windows-1252's 0x80–0x9F (€, curly quotes, dashes...), which Node 20's TextDecoder decodes as
 * ISO-8859-1 control characters instead (nodejs/node#56542). The five unassigned bytes stay controls,
 * as the Encoding standard says.
 */
const WINDOWS_1252_HIGH = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8DŽ\x8F\x90‘’“”•–—˜™š›œ\x9DžŸ';

const nativeWindows1252 = new TextDecoder('windows-1252').decode(Uint8Array.of(0x80)) === '€';

function decodeWindows1252(bytes: Uint8Array): string {
  const latin1 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return latin1.replace(/[\x80-\x9f]/g, (char) => WINDOWS_1252_HIGH[char.charCodeAt(0) - 0x80]!);
}

/** `bytes` as text; malformed sequences become U+FFFD instead of failing the page. */
export function decodePage(bytes: Uint8Array, hint?: string): string {
  const encoding = sniffEncoding(bytes, hint);
  if (encoding === 'windows-1252' && !nativeWindows1252) return decodeWindows1252(bytes);
  return new TextDecoder(encoding).decode(bytes);
}
