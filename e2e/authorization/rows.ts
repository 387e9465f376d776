import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

import { CALLERS, call, perCaller, type Caller, type Outcome, type World } from './world.ts';

/*
 * How a row of the authorization matrix is written: what each caller is expected to get, and the
 * builders of rows. Rows that change state build fresh targets (members, roles, channels, guilds) per
 * caller in `setup`, so every caller acts on the same kind of target and the callers of a row run
 * concurrently.
 *
 * In DM rows the guild's roles mean nothing: the owner is the (group) DM's owner, the member is the
 * other participant, and every other signed-in caller is not a participant.
 */

export type Expectation = Record<Caller, Outcome>;

export const everyone = (outcome: Outcome) =>
  Object.fromEntries(CALLERS.map((c) => [c, outcome])) as Expectation;
export const FORBIDDEN = 'FORBIDDEN';
/** Any signed-in user. */
export const signedIn: Expectation = { ...everyone('OK'), anonymous: 'UNAUTHENTICATED' };
/** Members of the guild, whatever their roles. */
export const members: Expectation = { ...signedIn, outsider: FORBIDDEN, banned: FORBIDDEN };
/** Members holding the operation's permission (so not the plain member). */
export const permissioned: Expectation = { ...members, member: FORBIDDEN };
/** Permission holders who also outrank the target member or role. */
export const hierarchical: Expectation = { ...permissioned, lower: FORBIDDEN };
/** Nobody may: refused to everyone signed in. */
export const nobody: Expectation = { ...everyone(FORBIDDEN), anonymous: 'UNAUTHENTICATED' };
export const ownerOnly: Expectation = { ...nobody, owner: 'OK' };
/**
 * The overwrite-hidden channel: only the Manager role is let back in, so Lower and Senior see nothing
 * there despite their guild permissions; ADMINISTRATOR and the owner see everything.
 */
export const privateChannel: Expectation = { ...permissioned, lower: FORBIDDEN, higher: FORBIDDEN };
/** A DM's or group DM's participants: the owner and the member. */
export const participants: Expectation = { ...ownerOnly, member: 'OK' };

export interface Row<S> {
  expect: Expectation;
  /** Fixtures built once before the callers run, e.g. one fresh target per caller. */
  setup?: (w: World) => Promise<S>;
  run: (w: World, caller: Caller, fixture: S) => Promise<Outcome>;
  /** Run the callers one after another (their observations would interfere). */
  sequential?: boolean;
}
export const row = <S = undefined>(r: Row<S>) => r as Row<unknown>;

/** A row that runs `document` as each caller, with variables from the world and the caller. */
export const op = <T, V>(
  expect: Expectation,
  document: TypedDocumentNode<T, V>,
  variables: (w: World, c: Caller) => V,
) => row({ expect, run: (w, c) => call(w, c, document, variables(w, c)) });

/** A row whose callers all act on one fixture, built by `setup` before they run. */
export const opWith = <S, T, V>(
  expect: Expectation,
  setup: (w: World) => Promise<S>,
  document: TypedDocumentNode<T, V>,
  variables: (fixture: S, w: World, c: Caller) => V,
) => row<S>({ expect, setup, run: (w, c, fixture) => call(w, c, document, variables(fixture, w, c)) });

/** A row in which each caller acts on a target of its own, all built by `targets` before they run. */
export const opEach = <S, T, V>(
  expect: Expectation,
  targets: (w: World) => Promise<Record<Caller, S>>,
  document: TypedDocumentNode<T, V>,
  variables: (target: S, w: World, c: Caller) => V,
) => opWith(expect, targets, document, (all, w, c) => variables(all[c], w, c));

/** One target per caller, built concurrently. */
export const each =
  <S>(build: (w: World, c: Caller) => Promise<S>) =>
  (w: World) =>
    perCaller(CALLERS, (c) => build(w, c));

/** One domain's rows, by operation (`Type.field`) and variant (`Type.field — variant`). */
export type Rows = Record<string, Row<unknown>>;
