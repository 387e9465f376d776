import { Transform, type TransformCallback } from 'node:stream';

/** The body carried more or fewer bytes than were signed. */
export class LengthMismatch extends Error {
  override readonly name = 'LengthMismatch';
}

/**
 * Passes bytes through and fails the pipeline as soon as more than `expected` arrive, or at the end
 * if fewer did. Node's HTTP parser already frames a body by Content-Length; this makes the upload's
 * guarantee independent of the transport (a proxy, chunked encoding, a test stream).
 */
export function exactLength(expected: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > expected) callback(new LengthMismatch(`body exceeds the signed ${expected} bytes`));
      else callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (seen !== expected) callback(new LengthMismatch(`body has ${seen} bytes, ${expected} were signed`));
      else callback();
    },
  });
}
