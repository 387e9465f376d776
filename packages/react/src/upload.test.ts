import { ApolloClient, ApolloLink } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { createCache } from './cache.ts';
import type { UploadFieldsFragment } from './generated/graphql.ts';
import { applyFeedEvent, type FeedEvent } from './live-cache.ts';
import { MessageWriter } from './message-writer.ts';
import { PresenceStore, TypingStore } from './stores.ts';
import { UploadError, uploadFile, type UploadRequest } from './upload.ts';

const UPLOAD_ID = '900';

function uploadRow(state: UploadFieldsFragment['state'], error: string | null = null): UploadFieldsFragment {
  return {
    __typename: 'Upload',
    id: UPLOAD_ID,
    kind: 'ATTACHMENT',
    state,
    filename: 'photo.png',
    contentType: 'image/png',
    size: 10,
    width: state === 'READY' ? 40 : null,
    height: state === 'READY' ? 30 : null,
    durationSeconds: null,
    animated: false,
    blurhash: null,
    error,
    expiresAt: null,
    previews: [],
  };
}

/** A real Apollo client; the network answers each operation from `answers` and records it. */
function setup(answers: {
  complete: UploadFieldsFragment;
  /** What `query Upload` answers, one entry per request (the last one repeats). */
  reads?: UploadFieldsFragment[];
  createError?: string;
}) {
  const operations: Array<{ name: string; variables: Record<string, unknown> }> = [];
  let reads = 0;
  const link = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const name = operation.operationName ?? '';
        operations.push({ name, variables: operation.variables });
        const answer = (data: unknown) => {
          observer.next({ data } as never);
          observer.complete();
        };
        if (name === 'CreateUpload') {
          if (answers.createError)
            return observer.next({
              errors: [{ message: answers.createError, extensions: { code: 'VALIDATION' } }],
            } as never);
          return answer({
            createUpload: {
              __typename: 'UploadTarget',
              upload: uploadRow('PENDING'),
              url: `/media/upload/${UPLOAD_ID}?token=t`,
              method: 'PUT',
              headers: [
                { __typename: 'HttpHeader', name: 'Content-Type', value: 'image/png' },
                { __typename: 'HttpHeader', name: 'Content-Length', value: '10' },
              ],
              expiresAt: '2030-01-01T00:00:00Z',
            },
          });
        }
        if (name === 'CompleteUpload') return answer({ completeUpload: answers.complete });
        if (name === 'Upload') {
          const list = answers.reads ?? [];
          return answer({ upload: list[Math.min(reads++, list.length - 1)] });
        }
        return observer.error(new Error(`unexpected ${name}`));
      }),
  );
  const apollo = new ApolloClient({ cache: createCache(), link });
  return { apollo, operations };
}

/** A fake XMLHttpRequest: reports progress in two steps, then answers `status`. */
function fakeRequest(status = 200, responseText = '') {
  const sent: { method?: string; url?: string; headers: Record<string, string>; body?: Blob } = {
    headers: {},
  };
  const request: UploadRequest = {
    status,
    responseText,
    upload: { onprogress: null },
    onload: null,
    onerror: null,
    onabort: null,
    open(method, url) {
      sent.method = method;
      sent.url = url;
    },
    setRequestHeader(name, value) {
      sent.headers[name] = value;
    },
    send(body) {
      sent.body = body;
      setTimeout(() => {
        request.upload.onprogress?.({ loaded: 5, total: 10 });
        request.upload.onprogress?.({ loaded: 10, total: 10 });
        request.onload?.();
      }, 1);
    },
    abort() {
      setTimeout(() => request.onabort?.(), 1);
    },
  };
  return { request, sent };
}

const file = () => new File([new Uint8Array(10)], 'photo.png', { type: 'image/png' });

describe('uploadFile', () => {
  it('creates, PUTs the bytes with the signed headers (not Content-Length), completes: READY at once', async () => {
    const { apollo, operations } = setup({ complete: uploadRow('READY') });
    const { request, sent } = fakeRequest();
    const progress: number[] = [];
    const upload = await uploadFile(apollo, file(), {
      kind: 'ATTACHMENT',
      channelId: '200',
      baseUrl: 'https://chat.example.com/app/',
      createRequest: () => request,
      onProgress: (fraction) => progress.push(fraction),
    });
    expect(upload).toMatchObject({ id: UPLOAD_ID, state: 'READY', width: 40 });
    expect(operations.map((o) => o.name)).toEqual(['CreateUpload', 'CompleteUpload']);
    expect(operations[0]!.variables).toEqual({
      input: {
        kind: 'ATTACHMENT',
        filename: 'photo.png',
        contentType: 'image/png',
        size: 10,
        channelId: '200',
      },
    });
    expect(sent.method).toBe('PUT');
    expect(sent.url).toBe(`https://chat.example.com/media/upload/${UPLOAD_ID}?token=t`);
    expect(sent.headers).toEqual({ 'Content-Type': 'image/png' });
    expect(sent.body?.size).toBe(10);
    expect(progress).toEqual([0.5, 1, 1]);
  });

  it('waits for a PROCESSING upload: the UploadProcessed event makes it read the upload again', async () => {
    const { apollo, operations } = setup({
      complete: uploadRow('PROCESSING'),
      reads: [uploadRow('PROCESSING'), uploadRow('READY')],
    });
    let processing = false;
    const done = uploadFile(apollo, file(), {
      kind: 'ATTACHMENT',
      channelId: '200',
      baseUrl: 'https://chat.example.com',
      createRequest: () => fakeRequest().request,
      onProcessing: () => (processing = true),
      pollIntervalMs: 60_000, // only the event can end this wait
    });
    await expect.poll(() => operations.filter((o) => o.name === 'Upload').length).toBe(1);
    expect(processing).toBe(true);
    const context = {
      apollo,
      viewerId: () => '10',
      messages: new MessageWriter(apollo),
      typing: new TypingStore(),
      presence: new PresenceStore(),
    };
    applyFeedEvent(context, {
      __typename: 'FeedEvent',
      id: '1',
      type: 'UploadProcessed',
      occurredAt: '2026-12-06T10:00:00Z',
      data: { uploadId: UPLOAD_ID, state: 'READY' },
    } as unknown as FeedEvent);
    await expect(done).resolves.toMatchObject({ state: 'READY', width: 40 });
  });

  it('asks again while PROCESSING when no event comes, and rejects with the reason of a FAILED upload', async () => {
    const { apollo } = setup({
      complete: uploadRow('PROCESSING'),
      reads: [uploadRow('PROCESSING'), uploadRow('FAILED', 'The video could not be decoded.')],
    });
    const done = uploadFile(apollo, file(), {
      kind: 'ATTACHMENT',
      channelId: '200',
      baseUrl: 'https://chat.example.com',
      createRequest: () => fakeRequest().request,
      pollIntervalMs: 20,
    });
    await expect(done).rejects.toThrow(new UploadError('The video could not be decoded.'));
  });

  it("passes on the API's refusal, and a refused PUT's message", async () => {
    const refused = setup({ complete: uploadRow('READY'), createError: 'File too large: at most 25 MiB.' });
    const error: unknown = await uploadFile(refused.apollo, file(), {
      kind: 'ATTACHMENT',
      channelId: '200',
      baseUrl: 'https://chat.example.com',
      createRequest: () => fakeRequest().request,
    }).catch((e: unknown) => e);
    expect(CombinedGraphQLErrors.is(error)).toBe(true);
    expect((error as Error).message).toContain('File too large');

    const { apollo, operations } = setup({ complete: uploadRow('READY') });
    const body = JSON.stringify({ error: { code: 'VALIDATION', message: 'Size does not match.' } });
    await expect(
      uploadFile(apollo, file(), {
        kind: 'AVATAR',
        baseUrl: 'https://chat.example.com',
        createRequest: () => fakeRequest(400, body).request,
      }),
    ).rejects.toThrow(new UploadError('Size does not match.', 400));
    expect(operations.map((o) => o.name)).toEqual(['CreateUpload']);
  });

  it('aborts the PUT when the signal fires', async () => {
    const { apollo } = setup({ complete: uploadRow('READY') });
    const controller = new AbortController();
    const { request } = fakeRequest();
    request.send = () => controller.abort(new Error('removed'));
    await expect(
      uploadFile(apollo, file(), {
        kind: 'ATTACHMENT',
        channelId: '200',
        baseUrl: 'https://chat.example.com',
        createRequest: () => request,
        signal: controller.signal,
      }),
    ).rejects.toThrow('removed');
  });
});
