import type { Readable } from 'node:stream';

export interface PutTarget {
  url: string;
  method: 'PUT';
  /** Exactly the headers the client must send: the signature covers them. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface GetUrlOptions {
  expiresInSeconds: number;
  /** The served Content-Type. */
  contentType: string;
  disposition: 'inline' | 'attachment';
  /** For Content-Disposition (RFC 6266, with filename*=UTF-8''). */
  filename?: string;
}

export interface BlobInfo {
  size: number;
  contentType: string | undefined;
}

export interface BlobStore {
  readonly kind: 'disk' | 's3';
  /** A URL the client PUTs the bytes to, signed over exactly this length and content type. */
  presignPut(
    key: string,
    o: { contentType: string; contentLength: number; expiresInSeconds: number },
  ): Promise<PutTarget>;
  /** A short-lived URL that downloads the object with these response headers. */
  presignGet(key: string, o: GetUrlOptions): Promise<string>;
  /** The stable URL of a public object (avatars, guild icons, emoji). */
  publicUrl(key: string): string;
  head(key: string): Promise<BlobInfo | null>;
  /** Streams the object, or a byte range of it (inclusive end). Throws BlobNotFound if absent. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /**
   * Copies the object into a local file for tools that need a path (sharp, ffprobe); the disk store
   * returns its own file and a no-op release. Throws BlobNotFound if absent.
   */
  localCopy(key: string): Promise<{ path: string; release(): Promise<void> }>;
  /** Stores bytes: a Buffer, or a stream of unknown length that is never buffered whole. */
  write(
    key: string,
    body: Buffer | Readable,
    o: { contentType: string; cacheControl?: string },
  ): Promise<void>;
  /** Deletes objects; absent keys are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Objects whose key starts with `prefix`. The order is not part of the contract. */
  list(prefix: string): AsyncIterable<{ key: string; size: number; lastModified: Date }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The object does not exist (an expected outcome callers handle, unlike a malformed key). */
export class BlobNotFound extends Error {
  override readonly name = 'BlobNotFound';
  constructor(readonly key: string) {
    super(`blob not found: ${key}`);
  }
}
