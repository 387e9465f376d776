import { logRecords, type GochatProcess } from './gochat-process.ts';
import {
  AcceptInviteDocument,
  CreateInviteDocument,
  SignInDocument,
  SignUpDocument,
} from './generated/graphql.ts';
import { gqlOk } from './graphql-client.ts';
import type { SmtpSink } from './smtp-sink.ts';

/** Where a test reads the mails GoChat sent: the log provider's lines, or a real SMTP sink. */
export interface Mailbox {
  /** Text bodies of mails to the address, oldest first. */
  messagesTo(email: string): string[];
}

export const logMailbox = (proc: Pick<GochatProcess, 'lines'>): Mailbox => ({
  messagesTo: (email) =>
    logRecords(proc)
      .filter((r) => r.to === email && typeof r.text === 'string')
      .map((r) => r.text as string),
});

export const smtpMailbox = (sink: SmtpSink): Mailbox => ({
  messagesTo: (email) => sink.received.filter((m) => m.to === email).map((m) => m.text),
});

async function waitForMail(
  mailbox: Mailbox,
  email: string,
  pick: (text: string) => string | undefined,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const text of [...mailbox.messagesTo(email)].reverse()) {
      const found = pick(text);
      if (found) return found;
    }
    if (Date.now() > deadline) throw new Error(`no matching mail to ${email} within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The newest verification link mailed to the address. */
export const verificationLink = (mailbox: Mailbox, email: string, timeoutMs = 10_000) =>
  waitForMail(
    mailbox,
    email,
    (text) => /https?:\/\/\S+\/api\/auth\/verify-email\?\S+/.exec(text)?.[0],
    timeoutMs,
  );

/** The newest password-reset token mailed to the address (the line after the instructions). */
export const resetToken = (mailbox: Mailbox, email: string, timeoutMs = 10_000) =>
  waitForMail(
    mailbox,
    email,
    (text) =>
      text.includes('choose a new password')
        ? (/resetPassword mutation[^\n]*\n(\S+)/.exec(text)?.[1] ?? /[?&]token=([^\s&]+)/.exec(text)?.[1])
        : undefined,
    timeoutMs,
  );

/** Signs in through the router; the session, or a thrown error when the account asks for a second factor. */
export async function signInSession(baseUrl: string, input: { email: string; password: string }) {
  const { signIn } = await gqlOk(baseUrl, SignInDocument, { input });
  if (signIn.__typename !== 'AuthSession') throw new Error(`${input.email} asks for a second factor`);
  return signIn;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  displayName: string;
  jwt: string;
  sessionToken: string;
}

let counter = 0;

/** Signs up through the router, opens the mailed link, and signs in: a user ready to act. */
export async function createVerifiedUser(
  baseUrl: string,
  mailbox: Mailbox,
  overrides: { displayName?: string; handle?: string } = {},
): Promise<TestUser> {
  const n = `${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const email = `user-${n}@example.test`;
  const password = `pw-${n}-secret`;
  const displayName = overrides.displayName ?? `User ${n}`;
  const { signUp } = await gqlOk(baseUrl, SignUpDocument, {
    input: { email, password, displayName, ...(overrides.handle ? { handle: overrides.handle } : {}) },
  });
  const link = await verificationLink(mailbox, email);
  const response = await fetch(link, { redirect: 'manual' });
  // Without a redirect URL the link answers JSON; with the web client on (the default) it redirects
  // to its sign-in page, and a refused token redirects there too, with ?error=.
  const location = response.headers.get('location');
  const verified =
    response.status === 200 || (response.status === 302 && location !== null && !/[?&]error=/.test(location));
  if (!verified)
    throw new Error(
      `verification link answered ${response.status} ${location ?? ''}: ${await response.text()}`,
    );
  const signIn = await signInSession(baseUrl, { email, password });
  return {
    id: signUp.user.id,
    email,
    password,
    displayName,
    jwt: signIn.jwt,
    sessionToken: signIn.sessionToken,
  };
}

/** Joins `member` to the guild through a fresh single-use invite made by `inviterJwt`. */
export async function joinGuild(url: string, inviterJwt: string, guildId: string, memberJwt: string) {
  const { createInvite } = await gqlOk(
    url,
    CreateInviteDocument,
    { guildId, input: { maxUses: 1 } },
    inviterJwt,
  );
  return gqlOk(url, AcceptInviteDocument, { code: createInvite.code }, memberJwt);
}
