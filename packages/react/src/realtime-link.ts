import { ApolloLink } from '@apollo/client';
import type { GoChatClient } from '@gochat/client';
import { Observable } from 'rxjs';

/**
 * Apollo subscriptions over @gochat/client's resumable transport: every subscription hook resumes
 * after a disconnect from its last cursor, without gaps or repeats. When a cursor is too old to
 * resume, `onResync` refetches the active queries while the subscription restarts live.
 */
export class RealtimeLink extends ApolloLink {
  constructor(
    private readonly client: () => GoChatClient | null,
    private readonly onResync: () => void,
  ) {
    super();
  }

  override request(operation: ApolloLink.Operation): Observable<ApolloLink.Result> {
    return new Observable((observer) => {
      const client = this.client();
      if (!client) {
        observer.error(new Error('Not signed in: subscriptions need a session'));
        return undefined;
      }
      return client.subscribe(operation.query, operation.variables, {
        next: (data, meta) =>
          observer.next({
            data: data as Record<string, unknown>,
            ...(meta.errors ? { errors: meta.errors } : {}),
            ...(meta.cursor ? { extensions: { cursor: meta.cursor } } : {}),
          }),
        error: (error) => observer.error(error),
        complete: () => observer.complete(),
        resync: this.onResync,
      });
    });
  }
}
