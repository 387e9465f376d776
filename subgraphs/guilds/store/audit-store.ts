import type { Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';

/** TODO(issue 3): audit log page query and the 45-day purge. */
export function auditStore(db: Database, ids: SnowflakeGenerator) {
  void db;
  void ids;
  return {};
}
