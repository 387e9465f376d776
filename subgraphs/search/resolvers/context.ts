import type { AccessStore } from '@gochat/channel-access';
import type { Database } from '@gochat/db';
import { unauthenticated } from '@gochat/errors';
import type { MessageTimeline } from '@gochat/message-store';
import type { SearchIndex } from '@gochat/search';
import type { BaseContext } from '@gochat/subgraph-kit';

export interface SearchContext extends BaseContext {
  db: Database;
  index: SearchIndex;
  /** The message store: results are checked against it (a deletion reaches the index a moment later). */
  timeline: MessageTimeline;
  access: AccessStore;
}

/** The signed-in caller's id, or UNAUTHENTICATED. */
export function callerId(ctx: SearchContext): string {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return ctx.identity.userId;
}
