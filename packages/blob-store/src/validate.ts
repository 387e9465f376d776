const KEY_PATTERN = /^[a-z0-9][a-z0-9/_.-]{0,500}$/i;

/**
 * Keys name files on disk as well as S3 objects, so besides the character set: no '..' (escapes the
 * directory), and no '.' or empty segment (on disk 'a/./b', 'a//b' and 'a/' alias or name directories,
 * while S3 would keep them distinct).
 */
export function isValidKey(key: string): boolean {
  return KEY_PATTERN.test(key) && key.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** Keys come from our own code, so a bad one is a programming error: a plain Error. */
export function assertValidKey(key: string): void {
  if (!isValidKey(key)) throw new Error(`invalid blob key: ${JSON.stringify(key.slice(0, 600))}`);
}

/** A list prefix is a key, or the start of one ('' and 'a/' included). */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  const segments = prefix.split('/');
  const whole = segments.slice(0, -1);
  if (!KEY_PATTERN.test(prefix) || whole.some((s) => s === '' || s === '.' || s === '..'))
    throw new Error(`invalid blob prefix: ${JSON.stringify(prefix.slice(0, 600))}`);
}

/** Content types are sent back as header values: printable ASCII only, or setHeader would throw later. */
export function assertContentType(contentType: string): void {
  if (!/^[\x21-\x7e][\x20-\x7e]{0,254}$/.test(contentType))
    throw new Error(`invalid content type: ${JSON.stringify(contentType.slice(0, 300))}`);
}

export function assertExpiry(expiresInSeconds: number): void {
  if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds <= 0)
    throw new Error(`invalid expiry: ${expiresInSeconds} seconds`);
}

export function assertRange(range: { start: number; end: number } | undefined): void {
  if (range === undefined) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new Error(`invalid byte range: ${start}-${end}`);
}
