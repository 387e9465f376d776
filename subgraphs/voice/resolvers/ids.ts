import { validation } from '@gochat/errors';
import { isSnowflake } from '@gochat/ids';

/** A snowflake argument, or VALIDATION naming the field. */
export function snowflakeArg(value: string, field: string): string {
  if (!isSnowflake(value)) throw validation(`${field} is not a valid id.`, field);
  return value;
}

/** A moderator's reason: at most 512 characters, as the guilds subgraph's. */
export function reasonArg(value: string | null | undefined): string | null {
  if (value == null) return null;
  if (value.length > 512) throw validation('reason is at most 512 characters.', 'reason');
  return value;
}
