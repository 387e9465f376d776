import fs from 'node:fs';

import type { KeyValueStore } from '@gochat/cache';
import { userExists, type Database } from '@gochat/db';
import type { SnowflakeGenerator } from '@gochat/ids';
import { createIdentityVerifier, SESSION_LIVENESS_PATH } from '@gochat/identity';
import type { Lifecycle, Role } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import type { OutboxRelay } from '@gochat/outbox';
import { createSubgraph, loaderById } from '@gochat/subgraph-kit';

import { AUTH_BASE_PATH, createAuth } from './auth/better-auth.ts';
import { createAuthHttpHandler } from './auth/http.ts';
import { createAccountMail, createMailer } from './auth/mailer.ts';
import { createMailTemplates } from './auth/mail-templates.ts';
import { createSessionLivenessHandler } from './auth/session-liveness.ts';
import { createAuthRateLimits } from './auth/rate-limit.ts';
import type { AccountsConfig } from './config.ts';
import { resolvers, type AccountsContext } from './resolvers/index.ts';
import { createAccountsStore } from './store/index.ts';

export interface AccountsDeps {
  config: AccountsConfig;
  db: Database;
  cache: KeyValueStore;
  ids: SnowflakeGenerator;
  lifecycle: Lifecycle;
  outbox: OutboxRelay;
  log: Logger;
}

const typeDefs = fs.readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

const DURATION_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
const durationMs = (text: string) => {
  const match = /^(\d+)\s*([smh])$/.exec(text);
  return match ? Number(match[1]) * DURATION_MS[match[2] as keyof typeof DURATION_MS] : 15 * 60_000;
};

/** Accounts: the User entity, profile and auth mutations, and better-auth's /api/auth/* endpoints. */
export function createAccountsRole(deps: AccountsDeps): Role {
  const { config, db, log } = deps;
  const verifier = createIdentityVerifier(config.secrets.internal);
  const mailer = createMailer(config.mail, log);
  deps.lifecycle.defer('mailer', () => mailer.close());
  const store = createAccountsStore(db);
  const limits = createAuthRateLimits(deps.cache, config.accounts.rateLimit);
  const { productName, mailTemplatesDir } = config.accounts;
  const templates = createMailTemplates({ productName, publicUrl: config.publicUrl, dir: mailTemplatesDir });
  const mail = createAccountMail({ mailer, templates, productName, log });
  const auth = createAuth({
    db,
    store,
    config,
    mailer,
    templates,
    limits,
    cache: deps.cache,
    ids: deps.ids,
    log,
    kick: () => deps.outbox.kick(),
  });
  const jwtTtlMs = durationMs(config.accounts.jwtTtl);

  const subgraph = createSubgraph<AccountsContext>({
    name: 'accounts',
    typeDefs,
    resolvers,
    verifier,
    log,
    accountExists: (userId) => userExists(deps.db, userId),
    context: (base) => ({
      ...base,
      auth,
      store,
      mail,
      jwtTtlMs,
      users: loaderById((ids) => store.usersByIds(ids)),
      rateLimit: (action) =>
        limits.check(action, base.identity.kind === 'scope' ? undefined : base.identity.ip),
      kick: () => deps.outbox.kick(),
    }),
  });
  const authHttp = createAuthHttpHandler({ auth, verifier, limits, log, publicUrl: config.publicUrl });
  const sessionLiveness = createSessionLivenessHandler({
    verifier,
    sessionAlive: (userId, sessionId) => store.sessionActive(userId, sessionId),
    log,
  });

  return {
    name: 'subgraph:accounts',
    fetch: async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname === AUTH_BASE_PATH || pathname.startsWith(`${AUTH_BASE_PATH}/`)) return authHttp(request);
      if (pathname === SESSION_LIVENESS_PATH) return sessionLiveness(request);
      return subgraph.fetch(request);
    },
  };
}
