import type { GraphQLFormattedError } from 'graphql';
import type { Client, FormattedExecutionResult } from 'graphql-ws';

import { errorCodeOf, fromGraphQLErrors, isGraphQLErrorList, type GoChatClientError } from './errors.ts';
import { runCallback } from './report-callback-error.ts';
import { SeenCursors } from './seen-cursors.ts';
import type { EventMeta, SubscriptionSink } from './types.ts';

const RESYNC_REQUIRED = 'RESYNC_REQUIRED';
/** Errors after which the subscription simply resumes from its cursor. */
/** Server-side hiccups after which the subscription continues from its cursor. */
const RESUME_CODES = new Set(['SLOW_CONSUMER', 'SERVICE_UNAVAILABLE']);

type Variables = Record<string, unknown>;

/**
 * One application subscription over possibly many graphql-ws subscriptions. graphql-ws resends the
 * same payload object after every reconnect (client.js, subscribe loop), so keeping
 * `payload.variables.after` at the last cursor makes each re-subscription resume where the last
 * left off. A RESYNC_REQUIRED refusal or SLOW_CONSUMER error starts a new graphql-ws subscription.
 */
export class ResumableSubscription<TData> {
  private readonly seen = new SeenCursors();
  private cursor: string | undefined;
  /** Identifies the current graphql-ws subscription: callbacks of replaced ones are ignored. */
  private attempt: object | undefined;
  private stopAttempt: () => void = () => {};
  private finished = false;

  constructor(
    private readonly client: Client,
    private readonly query: string,
    private readonly variables: Variables,
    private readonly sink: SubscriptionSink<TData>,
    private readonly toError: (error: unknown) => GoChatClientError,
    private readonly onFinished: () => void,
  ) {
    const after = variables.after;
    this.cursor = typeof after === 'string' ? after : undefined;
  }

  start(): void {
    const { after: _after, ...rest } = this.variables;
    const variables: Variables = this.cursor === undefined ? rest : { ...rest, after: this.cursor };
    const attempt = {};
    this.attempt = attempt;
    const isCurrent = () => this.attempt === attempt && !this.finished;
    this.stopAttempt = this.client.subscribe<TData, { cursor?: unknown }>(
      { query: this.query, variables },
      {
        next: (result) => {
          if (isCurrent()) this.onResult(result, variables);
        },
        error: (error) => {
          if (!isCurrent()) return;
          if (isGraphQLErrorList(error)) this.onServerErrors(error, variables);
          else this.fail(this.toError(error));
        },
        complete: () => {
          if (isCurrent()) this.finish(() => this.sink.complete?.());
        },
      },
    );
  }

  /** Stopped by the application: no further callbacks. */
  unsubscribe(): void {
    this.finish(() => {});
  }

  /** Completed by the client (dispose). */
  complete(): void {
    this.finish(() => this.sink.complete?.());
  }

  private onResult(result: FormattedExecutionResult<TData, { cursor?: unknown }>, variables: Variables) {
    const { data, errors } = result;
    if (errors?.length && data == null) return this.onServerErrors(errors, variables);
    const cursor = typeof result.extensions?.cursor === 'string' ? result.extensions.cursor : undefined;
    if (cursor !== undefined) {
      if (!this.seen.add(cursor)) return;
      this.cursor = cursor;
      variables.after = cursor;
    }
    if (data == null) return;
    const meta: EventMeta = {};
    if (cursor !== undefined) meta.cursor = cursor;
    if (errors?.length) meta.errors = errors;
    runCallback(() => this.sink.next(data, meta));
  }

  private onServerErrors(errors: readonly GraphQLFormattedError[], variables: Variables) {
    const code = errorCodeOf(errors[0]);
    // Only a resume can be too old; a fresh subscription refused that way would loop.
    if (code === RESYNC_REQUIRED && variables.after !== undefined) return this.resync(errors);
    if (code !== undefined && RESUME_CODES.has(code)) return this.restart();
    this.fail(fromGraphQLErrors(errors));
  }

  private resync(errors: readonly GraphQLFormattedError[]) {
    const resync = this.sink.resync?.bind(this.sink);
    if (!resync) return this.fail(fromGraphQLErrors(errors));
    this.cursor = undefined;
    this.stopAttempt();
    runCallback(resync);
    if (!this.finished) this.start();
  }

  private restart() {
    this.stopAttempt();
    this.start();
  }

  private fail(error: GoChatClientError) {
    this.finish(() => this.sink.error?.(error));
  }

  private finish(notify: () => void) {
    if (this.finished) return;
    this.finished = true;
    this.stopAttempt();
    this.onFinished();
    runCallback(notify);
  }
}
