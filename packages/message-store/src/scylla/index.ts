/**
 * The ScyllaDB side of the message store, on its own entry point (`@gochat/message-store/scylla`):
 * importing it loads cassandra-driver, so only a process configured for ScyllaDB does (open.ts and
 * `gochat migrate` import it lazily).
 */
export { connectScylla } from './client.ts';
export {
  applyCqlMigrations,
  readCqlMigrations,
  splitCql,
  MIGRATIONS_DIR,
  type CqlMigration,
} from './migrate.ts';
export { backfillMessagesByAuthor } from './backfill.ts';
export { createScyllaTimeline } from './timeline.ts';
