/**
 * @gochat/message-store: where message rows live and how every writer changes them
 * (docs/decisions/0015-message-store-port.md, 0033-message-store-package.md).
 *   - port.ts: the MessageTimeline port; postgres.ts and scylla/ implement it (one contract suite)
 *   - commit.ts: the staged-write sequence every write path commits through
 *   - removal.ts: what goes with a deleted message, in one place
 * The ScyllaDB side is on its own entry point (`@gochat/message-store/scylla`), loaded only when
 * configured.
 */
export * from './port.ts';
export { contentVersion, versionTime, visibleEmbeds } from './embeds.ts';
export { createPostgresTimeline } from './postgres.ts';
export { openTimeline } from './open.ts';
export type { ScyllaOptions } from './options.ts';
export {
  commitChange,
  commitMessageWrites,
  type Change,
  type MessageStoreDeps,
  type MessageWrites,
} from './commit.ts';
export type { MessageDeletion } from './removal.ts';
