import {
  SettingsMineDocument,
  SettingsUpdateDocument,
  gql,
  type SettingsUpdateMutationVariables,
} from '@gochat/testkit';

import { op, row, signedIn, type Expectation, type Rows } from './rows.ts';
import { call, outcomeOf, type Caller, type Outcome, type World } from './world.ts';

/** Members of the main guild (the banned user no longer is): others name a guild not theirs. */
const guildMembers: Expectation = { ...signedIn, outsider: 'VALIDATION', banned: 'VALIDATION' };
/** The owner's DM with the member: only those two take part in it. */
const dmParticipants: Expectation = {
  ...Object.fromEntries(Object.keys(signedIn).map((c) => [c, 'VALIDATION'])),
  anonymous: 'UNAUTHENTICATED',
  owner: 'OK',
  member: 'OK',
} as Expectation;

/**
 * Runs updateSettings as the caller at their current version (each caller changes only their own
 * settings, so the callers of a row never race each other), then `after` when it succeeded.
 */
async function updateOwn(
  w: World,
  c: Caller,
  patch: SettingsUpdateMutationVariables['patch'],
  after?: SettingsUpdateMutationVariables['patch'],
): Promise<Outcome> {
  if (c === 'anonymous') return call(w, c, SettingsUpdateDocument, { patch, expectedVersion: 0 });
  const jwt = w.jwt(c);
  const mine = await gql(w.url, SettingsMineDocument, {}, jwt);
  if (!mine.data) return outcomeOf(mine);
  const result = await gql(
    w.url,
    SettingsUpdateDocument,
    { patch, expectedVersion: mine.data.mySettings.version },
    jwt,
  );
  const message = result.errors?.[0]?.message;
  if (message) w.notes[c] = message;
  if (result.data && after)
    await gql(
      w.url,
      SettingsUpdateDocument,
      { patch: after, expectedVersion: result.data.updateSettings.version },
      jwt,
    );
  return outcomeOf(result);
}

/** Each user's own settings document: nobody reads or writes another user's. */
export const settingsRows: Rows = {
  'Query.mySettings': op(signedIn, SettingsMineDocument, () => ({})),
  'Mutation.updateSettings': row({
    expect: signedIn,
    run: (w, c) => updateOwn(w, c, { appearance: { density: 'COMPACT' } }),
  }),
  'Mutation.updateSettings — a stale version': row({
    expect: {
      ...Object.fromEntries(Object.keys(signedIn).map((c) => [c, 'CONFLICT'])),
      anonymous: 'UNAUTHENTICATED',
    } as Expectation,
    run: (w, c) =>
      call(w, c, SettingsUpdateDocument, {
        patch: { appearance: { theme: 'DARK' } },
        expectedVersion: 1_000_000,
      }),
  }),
  'Mutation.updateSettings — the main guild': row({
    expect: guildMembers,
    run: (w, c) => updateOwn(w, c, { guilds: [{ guildId: w.main.id, settings: { suppressRoles: false } }] }),
  }),
  'Mutation.updateSettings — a channel of the main guild': row({
    expect: guildMembers,
    run: (w, c) =>
      updateOwn(w, c, { channels: [{ channelId: w.main.generalId, settings: { level: 'ALL' } }] }),
  }),
  // Hidden, then shown again at once: the other rows still find the DM in myDirectChannels.
  'Mutation.updateSettings — hide the owner and member DM': row({
    expect: dmParticipants,
    run: (w, c) =>
      updateOwn(
        w,
        c,
        { hiddenDirectChannels: [{ channelId: w.main.dmId, hidden: true }] },
        { hiddenDirectChannels: [{ channelId: w.main.dmId, hidden: false }] },
      ),
  }),
};
