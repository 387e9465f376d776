import { createHash, createHmac } from 'node:crypto';

/** RFC 3986 encoding, as SigV4 canonicalisation requires (encodeURIComponent leaves !'()* alone). */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

/**
 * Checks a presigned S3 request the way S3 does (SigV4 query authentication), written independently
 * of the SDK from the AWS documentation. s3rver skips this check entirely, so the integration tests
 * use it to show that a changed header, method or URL would be refused by a real store.
 */
export function presignedRequestIsValid(
  request: { method: string; url: string; headers: Record<string, string> },
  secretAccessKey: string,
): boolean {
  const url = new URL(request.url);
  const q = url.searchParams;
  const [amzDate, credential, signedHeaders, signature] = [
    q.get('X-Amz-Date'),
    q.get('X-Amz-Credential'),
    q.get('X-Amz-SignedHeaders'),
    q.get('X-Amz-Signature'),
  ];
  if (
    q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' ||
    !amzDate ||
    !credential ||
    !signedHeaders ||
    !signature
  )
    return false;
  const [, date = '', region = '', service = '', terminator = ''] = credential.split('/');
  const headers = new Map(Object.entries(request.headers).map(([k, v]) => [k.toLowerCase(), v]));
  headers.set('host', url.host);

  const names = signedHeaders.split(';');
  if (names.some((name) => !headers.has(name))) return false;
  const canonicalHeaders = names
    .map((name) => `${name}:${headers.get(name)!.trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalQuery = [...q.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [
    request.method,
    url.pathname,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${date}/${region}/${service}/${terminator}`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signingKey = [date, region, service, terminator].reduce<Buffer | string>(
    (key, part) => hmac(key, part),
    `AWS4${secretAccessKey}`,
  );
  return hmac(signingKey, stringToSign).toString('hex') === signature;
}
