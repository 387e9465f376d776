import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphqlResponse<T> {
  status: number;
  data?: T | null;
  errors?: GraphQLFormattedError[];
}

/** One operation over HTTP POST, as a client would send it. */
export async function gql<T, V>(
  baseUrl: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  token?: string,
): Promise<GraphqlResponse<T>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as Omit<GraphqlResponse<T>, 'status'>;
  return { status: response.status, ...body };
}

/** The data of a successful operation; fails loudly with the errors otherwise. */
export async function gqlOk<T, V>(
  baseUrl: string,
  document: TypedDocumentNode<T, V>,
  variables?: V,
  token?: string,
): Promise<T> {
  const result = await gql(baseUrl, document, variables, token);
  if (result.errors?.length || !result.data)
    throw new Error(`operation failed (${result.status}): ${JSON.stringify(result.errors)}`);
  return result.data;
}

export interface LiveSubscription<T> {
  payloads: T[];
  errors: GraphQLFormattedError[][];
  /** Waits until `count` payloads arrived. */
  waitForPayloads(count: number, timeoutMs?: number): Promise<T[]>;
  /** Resolves with the first error message batch (refusals arrive as graphql-ws `error`). */
  firstError(timeoutMs?: number): Promise<GraphQLFormattedError[]>;
  dispose(): Promise<void>;
}

export interface WsConnection {
  client: Client;
  /** Close events of the underlying socket, in order. */
  closes: Array<{ code: number; reason: string }>;
  waitForClose(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  subscribe<T, V>(document: TypedDocumentNode<T, V>, variables: V): LiveSubscription<T>;
  dispose(): Promise<void>;
}

const until = async (check: () => boolean, timeoutMs: number, what: () => string) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

/** A graphql-ws connection to the router; no retries, so tests see every close. */
export function wsConnect(
  baseUrl: string,
  token?: string,
  params: Record<string, unknown> = {},
): WsConnection {
  const closes: WsConnection['closes'] = [];
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { ...params, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    on: {
      closed: (event) => {
        const e = event as { code: number; reason: string };
        closes.push({ code: e.code, reason: String(e.reason) });
      },
    },
    onNonLazyError: () => {},
  });
  return {
    client,
    closes,
    waitForClose: async (timeoutMs = 10_000) => {
      await until(
        () => closes.length > 0,
        timeoutMs,
        () => 'the socket to close',
      );
      return closes[0]!;
    },
    subscribe<T, V>(document: TypedDocumentNode<T, V>, variables: V): LiveSubscription<T> {
      const payloads: T[] = [];
      const errors: GraphQLFormattedError[][] = [];
      const unsubscribe = client.subscribe<T>(
        { query: print(document), variables: variables as Record<string, unknown> },
        {
          next: (value) => {
            if (value.errors?.length) errors.push([...value.errors]);
            if (value.data) payloads.push(value.data);
          },
          error: (error) => {
            if (Array.isArray(error)) errors.push(error as GraphQLFormattedError[]);
            else {
              // graphql-ws hands a socket close to every open subscription as its error.
              const code = (error as { code?: unknown }).code;
              errors.push([
                typeof code === 'number'
                  ? {
                      message: `socket closed (${code})`,
                      extensions: { code: 'SOCKET_CLOSED', closeCode: code },
                    }
                  : { message: String(error) },
              ]);
            }
          },
          complete: () => {},
        },
      );
      return {
        payloads,
        errors,
        waitForPayloads: async (count, timeoutMs = 10_000) => {
          await until(
            () => payloads.length >= count,
            timeoutMs,
            () => `${count} payloads (got ${payloads.length})`,
          );
          return payloads;
        },
        firstError: async (timeoutMs = 10_000) => {
          await until(
            () => errors.length > 0,
            timeoutMs,
            () => 'a subscription error',
          );
          return errors[0]!;
        },
        dispose: () => {
          unsubscribe();
          return Promise.resolve();
        },
      };
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** A metric's value from a role's /metrics (sum over label sets matching `labels`). */
export async function metricValue(
  baseUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      total += Number(match[3]);
  }
  return total;
}

export async function waitForMetric(
  baseUrl: string,
  name: string,
  expected: (value: number) => boolean,
  labels: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await metricValue(baseUrl, name, labels);
    if (expected(value)) return value;
    if (Date.now() > deadline) throw new Error(`metric ${name} stayed at ${value}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
