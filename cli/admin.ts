import {
  accountsSection,
  applyEnv,
  applyEnvironmentDefaults,
  publicUrl,
  readConfigFile,
  validate,
  type ConfigSource,
  type Env,
} from '@gochat/config';
import { openDatabase } from '@gochat/db';
import { createLogger } from '@gochat/log';
import { generateRandomString } from 'better-auth/crypto';
import { z } from 'zod';

import { passwordResetLink } from '../subgraphs/accounts/auth/mail-templates.ts';
import { createAccountsStore } from '../subgraphs/accounts/store/index.ts';
import { defaultWebClientLinks, type LoadedConfig } from './load-config.ts';

export const ADMIN_USAGE = `Usage: gochat admin <action> <userId|email> [options]

Operator actions on one account, straight on the database (DATABASE_URL, or the embedded data
directory while the server is stopped); never reachable through the API.

Actions:
  ban <user> [--reason TEXT] [--until ISO-DATE]
                       refuse sign-in and JWTs, and end every session (their sockets close)
  unban <user>         lift the ban
  verify-email <user>  mark the e-mail verified, as its verification link would
  reset-password-link <user>
                       print a password-reset link like the e-mailed one (nothing is mailed)
`;

const ACTIONS = ['ban', 'unban', 'verify-email', 'reset-password-link'] as const;
export type AdminAction = (typeof ACTIONS)[number];

export interface AdminRequest {
  action: AdminAction;
  user: string;
  reason?: string;
  until?: Date;
}

/** A failed admin command: exit 2 for bad arguments (with the usage), 1 when the account is unknown. */
export class AdminError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

const usage = (problem: string) => new AdminError(`${problem}\n\n${ADMIN_USAGE}`, 2);

/** `gochat admin …`'s arguments (after "admin"); AdminError with exit code 2 when they are wrong. */
export function parseAdminArgs(args: readonly string[]): AdminRequest {
  const [action, ...rest] = args;
  if (!action) throw usage('Name an action.');
  if (!(ACTIONS as readonly string[]).includes(action)) throw usage(`Unknown admin action "${action}".`);
  let user: string | undefined;
  let reason: string | undefined;
  let until: Date | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = () => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '') throw usage(`${flag} needs a value.`);
      return v;
    };
    if (flag === '--reason' && action === 'ban') reason = value();
    else if (flag === '--until' && action === 'ban') {
      const text = value();
      const at = new Date(text);
      if (Number.isNaN(at.getTime()))
        throw usage(`--until needs a date like 2030-01-31 or 2030-01-31T12:00:00Z, not "${text}".`);
      if (at.getTime() <= Date.now()) throw usage('--until must be in the future.');
      until = at;
    } else if (flag.startsWith('-')) throw usage(`Unknown option "${flag}" for admin ${action}.`);
    else if (user === undefined) user = arg;
    else throw usage(`One account at a time: unexpected "${arg}".`);
  }
  if (!user?.trim()) throw usage(`admin ${action} needs a user id or e-mail.`);
  if (reason !== undefined && reason.length > 512) throw usage('--reason is at most 512 characters.');
  return {
    action: action as AdminAction,
    user: user.trim(),
    ...(reason ? { reason } : {}),
    ...(until ? { until } : {}),
  };
}

/** What reset-password-link needs of the accounts settings, with the web client's default page. */
export function resetLinkSettings(
  file: string | undefined,
  env: Env,
): { pageUrl?: string; ttlSeconds: number } {
  const problems: string[] = [];
  const tree: ConfigSource = applyEnv(
    applyEnvironmentDefaults(readConfigFile(file ?? env.GOCHAT_CONFIG, problems), env),
    env,
  );
  defaultWebClientLinks(tree); // the reset page, as the accounts role sees it
  const settings = validate(z.object({ publicUrl, accounts: accountsSection }), tree, problems);
  if (!settings) throw new AdminError(problems.join('\n'), 2);
  const pageUrl = settings.accounts.resetPasswordUrl;
  return { ...(pageUrl ? { pageUrl } : {}), ttlSeconds: settings.accounts.resetTtlSeconds };
}

/**
 * `gochat admin <action> <user>`: operator actions on one account, on the database `gochat migrate`
 * uses. Ending sessions records SessionRevoked in the outbox (migration 0003); a running server's
 * relay publishes it and the router closes the account's sockets.
 */
export async function adminCommand(
  config: LoadedConfig,
  args: readonly string[],
  links: () => { pageUrl?: string; ttlSeconds: number },
  out: (line: string) => void = console.log,
): Promise<void> {
  const request = parseAdminArgs(args);
  // Quiet: stdout carries the answer (a reset link, say); problems still reach stderr.
  const log = createLogger({ level: 'warn', role: 'admin' });
  const handle = await openDatabase({
    url: config.host.database.url,
    dataDir: config.host.dataDir,
    poolSize: 1,
    log,
  });
  try {
    const store = createAccountsStore(handle.db);
    const account = await store.userForOperator(request.user);
    if (!account) throw new AdminError(`No account with the id or e-mail "${request.user}".`, 1);
    const who = `${account.email} (${account.id})`;
    switch (request.action) {
      case 'ban': {
        const ended = await store.banUser(account.id, { reason: request.reason, expires: request.until });
        const until = request.until ? ` until ${request.until.toISOString()}` : '';
        out(`banned ${who}${until}; ${ended} session${ended === 1 ? '' : 's'} ended`);
        return;
      }
      case 'unban':
        await store.unbanUser(account.id);
        out(account.banned ? `unbanned ${who}` : `${who} was not banned`);
        return;
      case 'verify-email':
        await store.markEmailVerified(account.id);
        out(account.emailVerified ? `${who}: e-mail already verified` : `verified the e-mail of ${who}`);
        return;
      case 'reset-password-link': {
        const { pageUrl, ttlSeconds } = links();
        // better-auth's own token shape (requestPasswordReset): 24 random letters and digits.
        const token = generateRandomString(24, 'a-z', 'A-Z', '0-9');
        await store.createPasswordResetToken(account.id, token, ttlSeconds);
        const minutes = Math.round(ttlSeconds / 60);
        out(pageUrl ? passwordResetLink(pageUrl, token) : token);
        console.error(
          `password reset for ${who}: ${pageUrl ? 'link' : 'token for the resetPassword mutation'}, works once, expires in ${minutes} minutes`,
        );
        return;
      }
    }
  } finally {
    await handle.close();
  }
}
