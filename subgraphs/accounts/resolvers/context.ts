import type { Identity } from '@gochat/identity';
import { unauthenticated } from '@gochat/errors';
import type { BaseContext } from '@gochat/subgraph-kit';
import type DataLoader from 'dataloader';

import type { Auth } from '../auth/better-auth.ts';
import type { AccountMail } from '../auth/mailer.ts';
import type { StrictAction } from '../auth/rate-limit.ts';
import type { AccountsStore, UserRow } from '../store/index.ts';

export interface AccountsContext extends BaseContext {
  auth: Auth;
  store: AccountsStore;
  /** Notices to account owners (auth/mail-templates.ts `notices`, or your own subject and text). */
  mail: AccountMail;
  users: DataLoader<string, UserRow | undefined>;
  rateLimit(action: StrictAction): Promise<void>;
  /** Wakes the outbox relay after a commit that appended events. */
  kick(): void;
  jwtTtlMs: number;
}

/** The caller's user and session; UNAUTHENTICATED without a user JWT. */
export function signedInUser(identity: Identity): { userId: string; sessionId?: string } {
  if (identity.kind !== 'user') throw unauthenticated();
  return identity;
}
