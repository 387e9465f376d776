import type { Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';

/** TODO(issue 3): filled in by the moderation work. */
export function moderationStore(db: Database, ids: SnowflakeGenerator) {
  void db;
  void ids;
  return {};
}
