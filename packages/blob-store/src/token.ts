import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { isValidKey } from './validate.ts';

/** What a disk-store URL authorises. Short field names: the payload travels in the URL. */
export type TokenPayload =
  | { op: 'put'; key: string; exp: number; len: number; type: string }
  | { op: 'get'; key: string; exp: number; type: string; disp: 'inline' | 'attachment'; fn?: string };

export type VerifyResult<P> =
  { ok: true; payload: P } | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'operation' };

/**
 * The disk store's URL-signing key, derived from the deployment's internal secret so that one secret
 * in the configuration serves several purposes without one key being usable for another.
 */
export function urlSigningKey(internalSecret: string): Buffer {
  if (internalSecret === '') throw new Error('urlSigningKey: the internal secret is empty');
  return Buffer.from(hkdfSync('sha256', internalSecret, '', 'gochat media urls', 32));
}

const mac = (signingKey: Buffer, payloadPart: string): Buffer =>
  createHmac('sha256', signingKey).update(payloadPart).digest();

/** base64url(JSON payload) '.' base64url(HMAC-SHA256(signingKey, first part)). */
export function signToken(signingKey: Buffer, payload: TokenPayload): string {
  const payloadPart = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${payloadPart}.${mac(signingKey, payloadPart).toString('base64url')}`;
}

export function verifyToken<Op extends TokenPayload['op']>(
  signingKey: Buffer,
  token: string,
  op: Op,
  nowMs: number,
): VerifyResult<Extract<TokenPayload, { op: Op }>> {
  const parts = token.split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [payloadPart = '', sigPart = ''] = parts;
  const given = Buffer.from(sigPart, 'base64url');
  const expected = mac(signingKey, payloadPart);
  // Compare the re-encoded signature too: base64url decoding ignores a final character's unused bits,
  // so two spellings would otherwise verify (harmless, but a token should have exactly one form).
  if (
    given.length !== expected.length ||
    !timingSafeEqual(given, expected) ||
    given.toString('base64url') !== sigPart
  )
    return { ok: false, reason: 'signature' };
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  // Signed by us, so the shape is ours; still checked, as the code that reads it trusts it.
  if (!isPayload(payload)) return { ok: false, reason: 'malformed' };
  if (payload.op !== op) return { ok: false, reason: 'operation' };
  if (nowMs >= payload.exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, payload: payload as Extract<TokenPayload, { op: Op }> };
}

function isPayload(p: unknown): p is TokenPayload {
  if (typeof p !== 'object' || p === null) return false;
  const o = p as Record<string, unknown>;
  if (typeof o.key !== 'string' || !isValidKey(o.key) || !Number.isSafeInteger(o.exp)) return false;
  if (typeof o.type !== 'string') return false;
  if (o.op === 'put') return Number.isSafeInteger(o.len) && (o.len as number) >= 0;
  if (o.op === 'get')
    return (
      (o.disp === 'inline' || o.disp === 'attachment') && (o.fn === undefined || typeof o.fn === 'string')
    );
  return false;
}
