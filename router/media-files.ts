import type { IncomingMessage, ServerResponse } from 'node:http';

import { createBlobHttpHandler, type BlobStore } from '@gochat/blob-store';
import type { Logger } from '@gochat/log';

/** The paths the blob store's URLs point at on the router. */
export const MEDIA_PREFIX = '/media/';

/**
 * Uploads and downloads at /media/: with the embedded store, the signed PUT and GET URLs the API
 * issues and the public assets; with S3, public assets redirect to the bucket (the bytes never pass
 * through here). Served on Node's request and response so bodies stream, never held in memory.
 */
export function createMediaFiles(blob: BlobStore, log: Logger) {
  const handle = createBlobHttpHandler(blob, { log });
  return (request: IncomingMessage, response: ServerResponse): boolean => {
    if (!request.url?.startsWith(MEDIA_PREFIX)) return false;
    handle(request, response).catch((error: unknown) => {
      log.error({ err: error }, 'media files: request failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end('{"error":{"code":"INTERNAL_SERVER_ERROR","message":"Unexpected error."}}');
    });
    return true;
  };
}
