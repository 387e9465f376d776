// What the store answers; codegen maps the GraphQL types to these (codegen.ts).

export interface UserRow {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  handle: string | null;
  createdAt: Date;
  /** When the account was deleted (deleteAccount); null while it lives. */
  deletedAt: Date | null;
  /** Set by resolvers (not stored) when the caller is this user before their JWT exists (sign-in). */
  viewerIsOwner?: boolean;
}

/**
 * GraphQL's RelationshipStatus, spelled here so the store never imports generated code (which imports
 * the store's rows: a cycle). The compiler checks the two agree where resolvers pass one to the other.
 */
export type RelationshipStatus = 'NONE' | 'FRIEND' | 'OUTGOING_REQUEST' | 'INCOMING_REQUEST' | 'BLOCKED';

/** Where the caller stands with one other user (GraphQL's Relationship). */
export interface RelationshipRow {
  userId: string;
  status: RelationshipStatus;
  since: Date;
}

/** A signed-in session of the caller (GraphQL's Session, `current` resolved from the caller's JWT). */
export interface SessionRow {
  id: string;
  userAgent: string | null;
  ipAddress: string | null;
  createdAt: Date;
  /** better-auth moves session.updated_at forward when it refreshes the session. */
  lastSeenAt: Date;
}

/** An operator ban (gochat admin ban). */
export interface BanState {
  banned: boolean;
  banReason: string | null;
  banExpires: Date | null;
}
