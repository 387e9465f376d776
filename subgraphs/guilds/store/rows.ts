import type {
  auditLog,
  bans,
  channelOverwrites,
  channels,
  emojis,
  guildMembers,
  guilds,
  invites,
  roles,
} from '@gochat/drizzle';

/** Rows as the store returns them; resolvers map them to GraphQL types (codegen mappers). */
export type GuildRow = typeof guilds.$inferSelect;
export type ChannelRow = typeof channels.$inferSelect;
export type RoleRow = typeof roles.$inferSelect;
export type OverwriteRow = typeof channelOverwrites.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;
export type BanRow = typeof bans.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type EmojiRow = typeof emojis.$inferSelect;
export type MemberRow = typeof guildMembers.$inferSelect & { roleIds: string[] };
export interface UserRef {
  id: string;
}

/** A page of rows and the cursor of the next one. */
export interface Page<T> {
  nodes: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export function pageOf<T>(rows: T[], first: number, cursorOf: (row: T) => string): Page<T> {
  const nodes = rows.slice(0, first);
  const hasNextPage = rows.length > first;
  const last = nodes[nodes.length - 1];
  return { nodes, hasNextPage, endCursor: hasNextPage && last ? cursorOf(last) : null };
}

/** One field's before and after in an audit entry (values as stored, JSON-serializable). */
export interface AuditChangeRow {
  key: string;
  before?: unknown;
  after?: unknown;
}
