import type { Database } from '@gochat/db';

import { deletionStore } from './deletion.ts';
import { exportStore } from './export.ts';
import { relationshipsStore } from './relationships.ts';
import { settingsStore } from './settings.ts';
import { twoFactorStore } from './two-factor.ts';
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
    ...deletionStore(db),
    ...exportStore(db),
    ...settingsStore(db),
    ...twoFactorStore(db),
  };
}

export type AccountsStore = ReturnType<typeof createAccountsStore>;
