import type { Database } from '@gochat/db';

import { relationshipsStore } from './relationships.ts';
import { usersStore } from './users.ts';

export * from './rows.ts';

/**
 * All of the accounts subgraph's SQL, one module per area. better-auth (auth/better-auth.ts) runs its
 * own queries on the user, session, account, verification and jwks tables.
 */
export function createAccountsStore(db: Database) {
  return {
    ...usersStore(db),
    ...relationshipsStore(db),
  };
}

export type AccountsStore = ReturnType<typeof createAccountsStore>;
