import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BlobStore } from './port.ts';
import type { TokenPayload, VerifyResult } from './token.ts';

/**
 * What the HTTP handler needs from a store beyond the port. Kept in WeakMaps keyed by the store
 * object, so nothing outside this package can reach it (the index does not export this module).
 */
export interface DiskInternals {
  verify<Op extends TokenPayload['op']>(
    token: string,
    op: Op,
  ): VerifyResult<Extract<TokenPayload, { op: Op }>>;
  nowMs(): number;
  /** An open handle on the object's bytes with its stored content type, or null if absent. */
  open(key: string): Promise<{ fh: FileHandle; size: number; contentType: string | undefined } | null>;
  /** Writes exactly `length` bytes atomically; throws LengthMismatch (nothing stored) otherwise. */
  writeExact(key: string, body: Readable, length: number, contentType: string): Promise<void>;
}

export interface S3Internals {
  /** A presigned GET without response overrides: S3 serves the stored Content-Type. */
  publicRedirectUrl(key: string): Promise<string>;
}

const disk = new WeakMap<BlobStore, DiskInternals>();
const s3 = new WeakMap<BlobStore, S3Internals>();

export function registerDisk(store: BlobStore, internals: DiskInternals): void {
  disk.set(store, internals);
}

export function registerS3(store: BlobStore, internals: S3Internals): void {
  s3.set(store, internals);
}

export const diskInternals = (store: BlobStore): DiskInternals | undefined => disk.get(store);
export const s3Internals = (store: BlobStore): S3Internals | undefined => s3.get(store);
