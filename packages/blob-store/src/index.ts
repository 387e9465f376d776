import type { S3BlobStore, S3BlobStoreOptions } from './s3-store.ts';

export { BlobNotFound } from './port.ts';
export type { BlobInfo, BlobStore, GetUrlOptions, PutTarget } from './port.ts';
export { createDiskBlobStore, type DiskBlobStore, type DiskBlobStoreOptions } from './disk-store.ts';
export { createBlobHttpHandler, type BlobHttpHandler } from './http-handler.ts';
export { contentDisposition } from './content-disposition.ts';
export { urlSigningKey } from './token.ts';
export { isValidKey } from './validate.ts';
export type { S3BlobStore, S3BlobStoreOptions } from './s3-store.ts';

/** The AWS SDK is imported on first use: a process storing blobs on disk never loads it (decision 0037). */
export async function createS3BlobStore(options: S3BlobStoreOptions): Promise<S3BlobStore> {
  const s3 = await import('./s3-store.ts');
  return s3.createS3BlobStore(options);
}
