import type { ApolloClient } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';

import {
  CompleteUploadDocument,
  CreateUploadDocument,
  UploadDocument,
  type UploadFieldsFragment,
  type UploadKind,
} from './generated/graphql.ts';
import type { GoChat } from './gochat.ts';

/** The part of XMLHttpRequest an upload uses (a fake one in tests). */
export interface UploadRequest {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: Blob): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: { loaded: number; total: number }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface UploadFileOptions {
  kind: UploadKind;
  /** ATTACHMENT: the channel, thread or DM the file will be sent in. */
  channelId?: string | null;
  /** GUILD_ICON, GUILD_BANNER, EMOJI: the guild. */
  guildId?: string | null;
  /** The bytes sent so far, as a fraction from 0 to 1. */
  onProgress?: (fraction: number) => void;
  /** Called when the bytes are in and the server is processing them (large files). */
  onProcessing?: () => void;
  /** Aborts the PUT or the wait for processing. */
  signal?: AbortSignal;
  /** Resolves a relative upload URL (`/media/upload/...`); the page's location by default. */
  baseUrl?: string;
  /** How long to wait for a PROCESSING upload to become READY; 10 minutes by default. */
  processingTimeoutMs?: number;
  /** How often to ask again while PROCESSING, besides the UploadProcessed event; 3 s by default. */
  pollIntervalMs?: number;
  /** Makes the PUT request; `new XMLHttpRequest()` by default (fetch cannot report upload progress). */
  createRequest?: () => UploadRequest;
}

/** A file the server refused or could not process, or a PUT that failed; the message says why. */
export class UploadError extends Error {
  override readonly name = 'UploadError';
  constructor(
    message: string,
    /** The HTTP status of a refused PUT. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Headers the browser sets itself from the body (or refuses to be set): never sent by hand. */
const BROWSER_HEADERS = new Set(['content-length', 'host', 'connection']);

/**
 * One file's whole upload: createUpload (declaring its name, type and size), a PUT of the bytes to
 * the URL it answers with exactly its headers (through XMLHttpRequest, for upload progress), then
 * completeUpload; a large file is processed in the background, and this waits until it is READY
 * (the UploadProcessed event evicts the Upload from the cache, and it is asked again every few
 * seconds besides). Resolves with the READY upload; a refusal rejects with the API's error (a
 * VALIDATION error with a message) or an UploadError.
 */
export async function uploadFile(
  target: GoChat | ApolloClient,
  file: Blob & { readonly name?: string },
  options: UploadFileOptions,
): Promise<UploadFieldsFragment> {
  const apollo = 'apollo' in target ? target.apollo : target;
  const { signal } = options;
  signal?.throwIfAborted();
  const { data: created } = await apollo.mutate({
    mutation: CreateUploadDocument,
    variables: {
      input: {
        kind: options.kind,
        filename: file.name || 'file',
        contentType: file.type || 'application/octet-stream',
        size: file.size,
        ...(options.channelId ? { channelId: options.channelId } : {}),
        ...(options.guildId ? { guildId: options.guildId } : {}),
      },
    },
  });
  if (!created) throw new UploadError('The upload could not be created.');
  const { upload, url, method, headers } = created.createUpload;
  signal?.throwIfAborted();
  await put(resolveUrl(url, options.baseUrl), method, headers, file, options);
  options.onProgress?.(1);
  signal?.throwIfAborted();
  const { data: completed } = await apollo.mutate({
    mutation: CompleteUploadDocument,
    variables: { id: upload.id },
  });
  if (!completed) throw new UploadError('The upload could not be completed.');
  return settled(apollo, completed.completeUpload, options);
}

function resolveUrl(url: string, baseUrl: string | undefined): string {
  const base = baseUrl ?? (globalThis as { location?: { href: string } }).location?.href;
  if (!base) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return url;
    throw new UploadError(`A relative upload URL (${url}) needs options.baseUrl outside a browser.`);
  }
  return new URL(url, base).toString();
}

function put(
  url: string,
  method: string,
  headers: readonly { name: string; value: string }[],
  file: Blob,
  options: UploadFileOptions,
): Promise<void> {
  const create =
    options.createRequest ??
    (() => {
      const Request = (globalThis as { XMLHttpRequest?: new () => UploadRequest }).XMLHttpRequest;
      if (!Request) throw new UploadError('No XMLHttpRequest here: pass options.createRequest.');
      return new Request();
    });
  return new Promise<void>((resolve, reject) => {
    const request = create();
    const { signal } = options;
    const onAbort = () => request.abort();
    const done = (error?: Error) => {
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    request.open(method, url);
    for (const { name, value } of headers)
      if (!BROWSER_HEADERS.has(name.toLowerCase())) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.total > 0) options.onProgress?.(Math.min(1, event.loaded / event.total));
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) return done();
      done(new UploadError(refusal(request.responseText, request.status), request.status));
    };
    request.onerror = () => done(new UploadError('The upload failed: the connection was lost.'));
    request.onabort = () => done(cancelled(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    request.send(file);
  });
}

/** The message of the media handler's JSON error (`{ error: { code, message } }`), or the status. */
function refusal(body: string, status: number): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string' && message) return message;
  } catch {
    // Not JSON (a proxy's page, say): the status says enough.
  }
  return `The upload was refused (HTTP ${status}).`;
}

/** The upload once READY: at once, or when background processing ends. */
function settled(
  apollo: ApolloClient,
  upload: UploadFieldsFragment,
  options: UploadFileOptions,
): Promise<UploadFieldsFragment> {
  if (upload.state === 'READY') return Promise.resolve(upload);
  if (upload.state === 'FAILED') return Promise.reject(failed(upload));
  options.onProcessing?.();
  const { signal } = options;
  return new Promise((resolve, reject) => {
    const wait: {
      finished: boolean;
      subscription?: { unsubscribe(): void };
      poll?: ReturnType<typeof setInterval>;
      timeout?: ReturnType<typeof setTimeout>;
    } = { finished: false };
    const finish = (outcome: () => void) => {
      if (wait.finished) return;
      wait.finished = true;
      // Not from within the query's own delivery (Apollo may still be setting up the request).
      setTimeout(() => wait.subscription?.unsubscribe(), 0);
      clearInterval(wait.poll);
      clearTimeout(wait.timeout);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = () => finish(() => reject(cancelled(signal)));
    const query = apollo.watchQuery({ query: UploadDocument, variables: { id: upload.id } });
    wait.subscription = query.subscribe({
      next: ({ data, error }) => {
        // A refusal (no such upload, not the caller's) ends the wait; a network error does not.
        if (CombinedGraphQLErrors.is(error)) return finish(() => reject(error));
        const current = (data as { upload?: UploadFieldsFragment } | undefined)?.upload;
        if (current?.state === 'READY') finish(() => resolve(current));
        else if (current?.state === 'FAILED') finish(() => reject(failed(current)));
      },
      error: (error: unknown) =>
        finish(() => reject(error instanceof Error ? error : new UploadError('The upload failed.'))),
    });
    if (wait.finished) return;
    // The event normally ends the wait; asking again covers a feed that was not connected then.
    wait.poll = setInterval(() => void query.refetch().catch(() => {}), options.pollIntervalMs ?? 3_000);
    wait.timeout = setTimeout(
      () => finish(() => reject(new UploadError('The file is taking too long to process.'))),
      options.processingTimeoutMs ?? 600_000,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The abort signal's reason when it is an Error (as AbortController.abort() gives), else a generic one. */
const cancelled = (signal: AbortSignal | undefined): Error =>
  signal?.reason instanceof Error ? signal.reason : new UploadError('The upload was cancelled.');

const failed = (upload: UploadFieldsFragment) =>
  new UploadError(upload.error ?? 'The file could not be processed.');
