import type { BusEvent } from '@gochat/bus';
import type { RateLimiter } from '@gochat/cache';
import type { AttachmentRef, MessageTimeline, TimelineMessage } from '@gochat/message-store';
import type { BaseContext } from '@gochat/subgraph-kit';
import type DataLoader from 'dataloader';

import type { ChannelAccessFacts } from '@gochat/channel-access';
import type { MessagesStores } from '../store/index.ts';

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
  /** Typing indicators: a per-user, per-container window in the cache, and live-only publishing. */
  typing: {
    /** Starts the user's window in the container unless one is open; true when it started now. */
    claim(containerId: string, userId: string, windowMs: number): Promise<boolean>;
    /** Closes the window again (the event could not be published, so the next call may retry). */
    release(containerId: string, userId: string): Promise<void>;
    /** Delivers to live subscribers only: never stored (bus.publishEphemeral). */
    publish(event: BusEvent): Promise<void>;
  };
  /** Signed URLs of attachments (the blob store's), valid messages.attachmentUrlTtlSeconds. */
  attachmentUrls: {
    download(attachment: AttachmentRef): Promise<string>;
    preview(attachment: AttachmentRef, size: number): Promise<string>;
  };
  loaders: {
    /** Access facts per container id, for the caller of this request. */
    access: DataLoader<string, ChannelAccessFacts | undefined>;
    /** Messages by "channelId:messageId". */
    message: DataLoader<string, TimelineMessage | undefined>;
  };
}
