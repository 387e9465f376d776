import type { Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';

/** TODO(issue 3): filled in by the invites work. */
export function invitesStore(db: Database, ids: SnowflakeGenerator) {
  void db;
  void ids;
  return {};
}
