import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

/** What a body read can fail with, for the caller to turn into a SafeFetchError. */
export type BodyFailure = 'TOO_LARGE' | 'UNSUPPORTED_ENCODING' | 'UNDECODABLE';

export class BodyReadError extends Error {
  constructor(readonly failure: BodyFailure) {
    super(failure);
  }
}

/** The request's Accept-Encoding: exactly what decoderFor can undo. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * Reads a response body, decoded, and stops the moment the decoded size passes `maxBytes`: the
 * source is destroyed (so the socket closes) and at most `maxBytes` are ever held. The cap applies
 * after decompression, so a small gzip bomb ends at the cap like a large plain body. Decompression
 * is bounded too: zlib only inflates as fast as this reader takes chunks.
 */
export async function readBody(source: Readable, contentEncoding: string | undefined, maxBytes: number) {
  const decoder = decoderFor(contentEncoding);
  if (decoder === undefined) throw new BodyReadError('UNSUPPORTED_ENCODING');

  // pipeline rejects with whichever stream's error came first (often an AbortError of the torn-down
  // iterator), so the failures that matter are recorded where they happen.
  let failure: BodyReadError | undefined;
  decoder?.on('error', (error) => {
    if (isDecodingError(error)) failure ??= new BodyReadError('UNDECODABLE');
  });

  const chunks: Buffer[] = [];
  let size = 0;
  const collect = async (decoded: AsyncIterable<Buffer>) => {
    for await (const chunk of decoded) {
      if (size + chunk.length > maxBytes) throw (failure = new BodyReadError('TOO_LARGE'));
      chunks.push(chunk);
      size += chunk.length;
    }
  };
  try {
    // A plain body is read straight from the response (the loop destroys it when collect throws):
    // pipeline's own AbortController costs a DOMException per body, which showed in bench:embeds.
    await (decoder ? pipeline(source, decoder, collect) : collect(source));
  } catch (error) {
    throw failure ?? error;
  }
  return Buffer.concat(chunks, size);
}

// Servers often end a compressed body without the final flush marker; browsers accept that, so do we.
const LENIENT_ZLIB = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
const LENIENT_BROTLI = { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/** null: the body is not encoded; undefined: an encoding we did not ask for (or a stack of them). */
function decoderFor(contentEncoding: string | undefined): Transform | null | undefined {
  switch ((contentEncoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(LENIENT_ZLIB);
    case 'deflate':
      return zlib.createInflate(LENIENT_ZLIB);
    case 'br':
      return zlib.createBrotliDecompress(LENIENT_BROTLI);
    default:
      return undefined;
  }
}

/** zlib's own failures (Z_DATA_ERROR…, brotli's ERR__ERROR_FORMAT…), not errors it passed along. */
function isDecodingError(error: unknown): boolean {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  return code !== undefined && /^(Z_|ERR__|ERR_BROTLI)/.test(code);
}
