import type { RateLimiter } from '@gochat/cache';
import type { BaseContext } from '@gochat/subgraph-kit';
import type DataLoader from 'dataloader';

import type { ChannelAccessFacts } from '../store/access.ts';
import type { MessagesStores } from '../store/index.ts';
import type { MessageTimeline, TimelineMessage } from '../timeline/port.ts';

export interface MessagesContext extends BaseContext {
  stores: MessagesStores;
  timeline: MessageTimeline;
  /** Per-user send limit across channels (RATE_LIMITED). */
  sendLimiter: RateLimiter;
  /** Slowmode: sets the key for the window unless it is already set (shared through Redis when configured). */
  slowmode(
    channelId: string,
    userId: string,
    seconds: number,
  ): Promise<{ allowed: boolean; retryAfterMs: number }>;
  loaders: {
    /** Access facts per container id, for the caller of this request. */
    access: DataLoader<string, ChannelAccessFacts | undefined>;
    /** Messages by "channelId:messageId". */
    message: DataLoader<string, TimelineMessage | undefined>;
  };
}
