import type { UploadRow } from '@gochat/uploads';

/** What the media subgraph's resolvers receive: its SQL lives in @gochat/uploads, shared with the writers that claim uploads. */
export type { UploadRow };

/** One entry of avatarHistory. */
export interface AvatarRow {
  upload: UploadRow;
  current: boolean;
}

/** An entity this subgraph adds fields to (User, Guild, Emoji): only its key. */
export interface EntityRef {
  id: string;
}
