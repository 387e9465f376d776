import {
  AuthzAcceptFriendRequestDocument,
  AuthzBlockUserDocument,
  AuthzDeclineFriendRequestDocument,
  AuthzRelationshipsDocument,
  AuthzRemoveFriendDocument,
  AuthzSendFriendRequestDocument,
  AuthzUnblockUserDocument,
  DeleteAccountDocument,
  DisableTwoFactorDocument,
  EnableTwoFactorDocument,
  MeDocument,
  MyDataExportDocument,
  MySessionsDocument,
  RefreshJwtDocument,
  RegenerateBackupCodesDocument,
  RequestPasswordResetDocument,
  ResendVerificationEmailDocument,
  ResetPasswordDocument,
  RevokeOtherSessionsDocument,
  RevokeSessionDocument,
  SessionActiveDocument,
  SignInDocument,
  SignInSecondFactorDocument,
  SignOutDocument,
  SignUpDocument,
  UpdateProfileDocument,
  UserByHandleDocument,
  UserByIdDocument,
  VerifyEmailDocument,
  VerifyTwoFactorDocument,
  gql,
  gqlOk,
  signInSession,
} from '@gochat/testkit';

import { blockerOfEveryone, spareUser } from './fixtures.ts';
import { everyone, nobody, op, opWith, row, signedIn, type Rows } from './rows.ts';
import { PEOPLE, call, ok, outcomeOf, perCaller, unique, type Outcome, type World } from './world.ts';

/** OK when the JWT's session is active, INACTIVE when it ended, else the refusal's code. */
async function sessionOutcome(w: World, jwt: string | undefined): Promise<Outcome> {
  const result = await gql(w.url, SessionActiveDocument, {}, jwt);
  if (!result.data) return outcomeOf(result);
  return result.data.sessionActive ? 'OK' : 'INACTIVE';
}

/** A new session of the account (a sign-in): its JWT and its id, as mySessions names it. */
async function newSession(w: World, account: { email: string; password: string }) {
  const signIn = await signInSession(w.url, { email: account.email, password: account.password });
  const { mySessions } = await gqlOk(w.url, MySessionsDocument, {}, signIn.jwt);
  const current = mySessions.find((s) => s.current);
  if (!current) throw new Error('mySessions names no current session right after sign-in');
  return { jwt: signIn.jwt, id: current.id };
}

/** A spare user who sent every signed-in caller a friend request. */
async function requesterOfEveryone(w: World) {
  const requester = w.take();
  await perCaller(PEOPLE, (p) =>
    gqlOk(w.url, AuthzSendFriendRequestDocument, { handle: w.people[p].handle }, requester.jwt),
  );
  return requester;
}

/** The accounts subgraph: profiles, sessions, sign-up and sign-in, friends and blocks. */
export const accountsRows: Rows = {
  // --- accounts: sign-up and sign-in work without a JWT; the rest needs one ---
  'Query.me': op(signedIn, MeDocument, () => ({})),
  'Query.user': op(signedIn, UserByIdDocument, (w) => ({ id: w.people.owner.id })),
  'Query.userByHandle': op(signedIn, UserByHandleDocument, () => ({ handle: 'nobody_here' })),
  // About the caller's own session: the router asks it as the user when a WebSocket opens.
  'Query.sessionActive': row({ expect: signedIn, run: (w, c) => sessionOutcome(w, w.jwt(c)) }),
  'Query.sessionActive — a signed-out session': row({
    expect: { ...everyone('INACTIVE'), anonymous: 'UNAUTHENTICATED' },
    run: async (w, c) => {
      if (c === 'anonymous') return sessionOutcome(w, undefined);
      const signIn = await signInSession(w.url, { email: w.people[c].email, password: w.people[c].password });
      await gqlOk(w.url, SignOutDocument, {}, signIn.jwt);
      return sessionOutcome(w, signIn.jwt);
    },
  }),
  'Mutation.signUp': op(everyone('OK'), SignUpDocument, () => ({
    input: { email: `authz-${unique()}@example.test`, password: 'long enough', displayName: 'A' },
  })),
  'Mutation.resendVerificationEmail': op(everyone('OK'), ResendVerificationEmailDocument, () => ({
    email: `x-${unique()}@example.test`,
  })),
  // Reachable by anyone: the token is the credential, so a bogus one is refused on its own merits.
  'Mutation.verifyEmail': op(everyone('INVALID_TOKEN'), VerifyEmailDocument, () => ({ token: 'bogus' })),
  'Mutation.signIn': op(everyone('OK'), SignInDocument, (w) => ({
    input: { email: w.people.member.email, password: w.people.member.password },
  })),
  // The session token is the credential: anonymous has none, so it sends a made-up one.
  'Mutation.refreshJwt': row({
    expect: signedIn,
    run: async (w, c) =>
      outcomeOf(
        await gql(w.url, RefreshJwtDocument, {
          sessionToken: c === 'anonymous' ? 'no-session' : w.people[c].sessionToken,
        }),
      ),
  }),
  'Mutation.signOut': row({
    expect: signedIn,
    run: async (w, c) => {
      if (c === 'anonymous') return call(w, c, SignOutDocument, {});
      // A throwaway session, so the caller's main one survives for the other rows.
      const signIn = await signInSession(w.url, { email: w.people[c].email, password: w.people[c].password });
      return outcomeOf(await gql(w.url, SignOutDocument, {}, signIn.jwt));
    },
  }),
  // The caller's own sessions (devices). Revoking them acts only on throwaway sessions or on a spare
  // user's: the people's main sessions must survive for the other rows.
  'Query.mySessions': op(signedIn, MySessionsDocument, () => ({})),
  // Another user's session is as unknown as a missing one: NOT_FOUND for all, and it is never ended.
  'Mutation.revokeSession': opWith(
    { ...everyone('NOT_FOUND'), anonymous: 'UNAUTHENTICATED' },
    async (w) => newSession(w, w.take()),
    RevokeSessionDocument,
    (victim) => ({ id: victim.id }),
  ),
  'Mutation.revokeSession — an own session': row({
    expect: signedIn,
    run: async (w, c) => {
      if (c === 'anonymous') return call(w, c, RevokeSessionDocument, { id: 'none' });
      const throwaway = await newSession(w, w.people[c]);
      return call(w, c, RevokeSessionDocument, { id: throwaway.id });
    },
  }),
  // Run as a spare user's second session, so only that user's sessions end.
  'Mutation.revokeOtherSessions': row({
    expect: signedIn,
    setup: (w) => Promise.resolve(w.take()),
    sequential: true,
    run: async (w, c, spare: { email: string; password: string }) => {
      if (c === 'anonymous') return call(w, c, RevokeOtherSessionsDocument, {});
      const kept = await newSession(w, spare);
      await newSession(w, spare);
      return outcomeOf(await gql(w.url, RevokeOtherSessionsDocument, {}, kept.jwt));
    },
  }),
  // --- two-factor sign-in: the second step's challenge is the credential; the rest is the caller's own ---
  'Mutation.signInSecondFactor': op(everyone('INVALID_TOKEN'), SignInSecondFactorDocument, () => ({
    challenge: 'not-a-challenge-from-sign-in',
    code: '123456',
  })),
  // A wrong password starts nothing, so every caller may try it on their own account.
  'Mutation.enableTwoFactor': op(
    { ...everyone('VALIDATION'), anonymous: 'UNAUTHENTICATED' },
    EnableTwoFactorDocument,
    () => ({ password: 'not the password' }),
  ),
  'Mutation.enableTwoFactor — with the password, a spare account': row({
    expect: signedIn,
    run: async (w, c) => {
      if (c === 'anonymous') return call(w, c, EnableTwoFactorDocument, { password: 'whatever it is' });
      const spare = w.take();
      return outcomeOf(await gql(w.url, EnableTwoFactorDocument, { password: spare.password }, spare.jwt));
    },
  }),
  // Nobody among the people set 2FA up: there is nothing to confirm or turn off (CONFLICT), only theirs.
  'Mutation.verifyTwoFactor': op(
    { ...everyone('CONFLICT'), anonymous: 'UNAUTHENTICATED' },
    VerifyTwoFactorDocument,
    () => ({ code: '123456' }),
  ),
  'Mutation.disableTwoFactor': op(
    { ...everyone('CONFLICT'), anonymous: 'UNAUTHENTICATED' },
    DisableTwoFactorDocument,
    (w, c) => ({ password: c === 'anonymous' ? 'whatever it is' : w.people[c].password, code: '123456' }),
  ),
  // With the right password: nobody among the people has 2FA on, so there are no codes to replace.
  'Mutation.regenerateBackupCodes': op(
    { ...everyone('CONFLICT'), anonymous: 'UNAUTHENTICATED' },
    RegenerateBackupCodesDocument,
    (w, c) => ({ password: c === 'anonymous' ? 'whatever it is' : w.people[c].password }),
  ),
  'Mutation.requestPasswordReset': op(everyone('OK'), RequestPasswordResetDocument, () => ({
    email: `x-${unique()}@example.test`,
  })),
  'Mutation.resetPassword': op(everyone('INVALID_TOKEN'), ResetPasswordDocument, () => ({
    token: 'bogus',
    newPassword: 'long enough',
  })),
  'Mutation.updateProfile': op(signedIn, UpdateProfileDocument, (w, c) => ({
    input: { displayName: `Renamed ${c}` },
  })),
  // The caller's own data only: nothing to name but the caller.
  'Query.myDataExport': op(signedIn, MyDataExportDocument, () => ({ limit: 1 })),
  // A wrong password changes nothing, so every caller may try it on their own account.
  'Mutation.deleteAccount': op(
    { ...everyone('VALIDATION'), anonymous: 'UNAUTHENTICATED' },
    DeleteAccountDocument,
    () => ({
      password: 'not the password',
    }),
  ),
  // The right password deletes: a spare account each, so the people stay for the other rows.
  'Mutation.deleteAccount — with the password, a spare account': row({
    expect: signedIn,
    run: async (w, c) => {
      if (c === 'anonymous') return call(w, c, DeleteAccountDocument, { password: 'whatever it is' });
      const spare = w.take();
      return outcomeOf(await gql(w.url, DeleteAccountDocument, { password: spare.password }, spare.jwt));
    },
  }),

  // --- friends and blocks: about the caller's own relationships, so any signed-in user ---
  'Query.relationships': op(signedIn, AuthzRelationshipsDocument, () => ({})),
  'Mutation.sendFriendRequest': opWith(signedIn, spareUser, AuthzSendFriendRequestDocument, (target) => ({
    handle: target.handle,
  })),
  'Mutation.sendFriendRequest — to a user who blocked the caller': opWith(
    nobody,
    blockerOfEveryone,
    AuthzSendFriendRequestDocument,
    (blocker) => ({ handle: blocker.handle }),
  ),
  'Mutation.acceptFriendRequest': opWith(
    signedIn,
    requesterOfEveryone,
    AuthzAcceptFriendRequestDocument,
    (requester) => ({ userId: requester.id }),
  ),
  'Mutation.declineFriendRequest': opWith(
    signedIn,
    requesterOfEveryone,
    AuthzDeclineFriendRequestDocument,
    (requester) => ({ userId: requester.id }),
  ),
  'Mutation.removeFriend': opWith(
    signedIn,
    async (w) => {
      const friend = await requesterOfEveryone(w);
      await perCaller(PEOPLE, (p) => ok(w, p, AuthzAcceptFriendRequestDocument, { userId: friend.id }));
      return friend;
    },
    AuthzRemoveFriendDocument,
    (friend) => ({ userId: friend.id }),
  ),
  'Mutation.blockUser': opWith(signedIn, spareUser, AuthzBlockUserDocument, (target) => ({
    userId: target.id,
  })),
  'Mutation.unblockUser': opWith(
    signedIn,
    async (w) => {
      const target = w.take();
      await perCaller(PEOPLE, (p) => ok(w, p, AuthzBlockUserDocument, { userId: target.id }));
      return target;
    },
    AuthzUnblockUserDocument,
    (target) => ({ userId: target.id }),
  ),
};
