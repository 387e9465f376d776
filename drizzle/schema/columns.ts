import { customType, timestamp } from 'drizzle-orm/pg-core';

/**
 * Snowflake ids are BIGINT in the database and decimal strings everywhere else: node-postgres returns
 * int8 as a string and PGlite as a bigint, so normalise on the way out.
 */
export const snowflake = customType<{ data: string; driverData: string | bigint }>({
  dataType: () => 'bigint',
  toDriver: (value) => value,
  fromDriver: (value) => String(value),
});

export const createdAt = (name = 'created_at') =>
  timestamp(name, { withTimezone: true }).notNull().defaultNow();
