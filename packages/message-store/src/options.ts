/**
 * How to reach ScyllaDB (or Cassandra). The package's own shape: the host maps its configuration onto
 * it (cli/infrastructure.ts passes the validated `scylla` section, which has exactly these keys), so
 * nothing here depends on the CLI or on the config schema.
 */
export interface ScyllaOptions {
  /** Contact points; none means the PostgreSQL timeline. */
  hosts?: string[] | undefined;
  localDataCenter: string;
  /** Lowercase letters, digits and _, starting with a letter (identifiers cannot be bound). */
  keyspace: string;
  /** Used when the migrations create the keyspace (SimpleStrategy). */
  replicationFactor: number;
  username?: string | undefined;
  password?: string | undefined;
}
