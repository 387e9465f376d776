import type { BlobStore } from '@gochat/blob-store';
import type { AccessStore } from '@gochat/channel-access';
import type { MediaSection } from '@gochat/config';
import type { Database } from '@gochat/db';
import { unauthenticated } from '@gochat/errors';
import type { SnowflakeGenerator } from '@gochat/ids';
import type { BaseContext } from '@gochat/subgraph-kit';
import type { UploadRow } from '@gochat/uploads';
import type DataLoader from 'dataloader';

import type { Processor } from '../processing/processor.ts';

export interface MediaContext extends BaseContext {
  db: Database;
  blob: BlobStore;
  ids: SnowflakeGenerator;
  access: AccessStore;
  processor: Processor;
  settings: MediaSection;
  /** Publishes committed outbox events soon. */
  kick(): void;
  loaders: {
    /** The upload in each subject's slot (user avatars, guild icons and banners), by subject id. */
    avatar: DataLoader<string, UploadRow | undefined>;
    guildIcon: DataLoader<string, UploadRow | undefined>;
    guildBanner: DataLoader<string, UploadRow | undefined>;
    /** An emoji's image upload, by emoji id. */
    emoji: DataLoader<string, UploadRow | undefined>;
  };
}

/** The signed-in caller's id, or UNAUTHENTICATED. */
export function callerId(ctx: MediaContext): string {
  if (ctx.identity.kind !== 'user') throw unauthenticated();
  return ctx.identity.userId;
}
