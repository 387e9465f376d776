import fs from 'node:fs';

import { freePort, logMailbox, startGochat, type GochatProcess } from '@gochat/testkit';
import { buildSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { accountsRows } from './authorization/accounts.rows.ts';
import { buildMainGuild, createPeople } from './authorization/fixtures.ts';
import { guildsRows } from './authorization/guilds.rows.ts';
import { mediaRows } from './authorization/media.rows.ts';
import { messagesRows } from './authorization/messages.rows.ts';
import { realtimeRows } from './authorization/realtime.rows.ts';
import { searchRows } from './authorization/search.rows.ts';
import { settingsRows } from './authorization/settings.rows.ts';
import { VOICE_CONFIG, voiceRows } from './authorization/voice.rows.ts';
import type { Expectation, Row, Rows } from './authorization/rows.ts';
import { CALLERS, PEOPLE, type Caller, type Outcome, type World } from './authorization/world.ts';
import { RELAXED_LIMITS, SECRETS, UNLIMITED_WRITES, tempConfig } from './support.ts';

/*
 * Who may run each operation of the API, through the router, for every kind of caller the issue
 * names (see CALLERS in authorization/world.ts). The rows live per domain in authorization/*.rows.ts;
 * this file runs them, and checks that every operation of the API schema has at least one.
 */

/** Every domain's rows, in one table; an operation or variant listed twice is a mistake. */
function matrixOf(...domains: Rows[]): Record<string, Row<unknown>> {
  const matrix: Rows = {};
  for (const domain of domains)
    for (const [operation, r] of Object.entries(domain)) {
      if (operation in matrix) throw new Error(`authorization row ${operation} listed twice`);
      matrix[operation] = r;
    }
  return matrix;
}

/** One row per operation of the API schema (`Type.field`), plus variants (`Type.field — variant`). */
const MATRIX = matrixOf(
  accountsRows,
  guildsRows,
  messagesRows,
  realtimeRows,
  mediaRows,
  searchRows,
  settingsRows,
  voiceRows,
);

/** "OK: member, owner; FORBIDDEN: outsider; UNAUTHENTICATED: anonymous" */
function describeExpectation(expectation: Expectation): string {
  const byOutcome = new Map<Outcome, Caller[]>();
  for (const c of CALLERS) byOutcome.set(expectation[c], [...(byOutcome.get(expectation[c]) ?? []), c]);
  return [...byOutcome].map(([outcome, callers]) => `${outcome}: ${callers.join(', ')}`).join('; ');
}

/** Fixtures post many messages per row, far beyond the per-user send limit meant for people. */
const FIXTURE_SEND_RATE = `
messages:
  sendRate: { points: 100000, windowSeconds: 10 }
`;

/** Users for targets and peers, handed out once each by World.take(). */
const SPARE_USERS = 160;

describe('authorization matrix, through the router (embedded)', () => {
  let gochat: GochatProcess;
  const world = {} as World;

  beforeAll(async () => {
    const { dir, file } = tempConfig(RELAXED_LIMITS + FIXTURE_SEND_RATE, UNLIMITED_WRITES, VOICE_CONFIG);
    gochat = await startGochat({
      env: { DATA_DIR: dir, PORT: String(await freePort()), GOCHAT_CONFIG: file, ...SECRETS },
    });
    const users = await createPeople(gochat.url, logMailbox(gochat), PEOPLE.length + SPARE_USERS);
    const people = Object.fromEntries(PEOPLE.map((p, i) => [p, users[i]])) as World['people'];
    const spare = users.slice(PEOPLE.length);
    Object.assign(world, {
      url: gochat.url,
      people,
      jwt: (caller: Caller) => (caller === 'anonymous' ? undefined : people[caller].jwt),
      take: () => {
        const user = spare.shift();
        if (!user) throw new Error('out of spare users: raise SPARE_USERS');
        return user;
      },
      notes: {},
    } satisfies Omit<World, 'main'>);
    world.main = await buildMainGuild(world);
  }, 180_000);

  afterAll(async () => {
    expect(await gochat.stop()).toBe(0);
  });

  it('has a row for every operation in the API schema, and every row names one', () => {
    const schema = buildSchema(
      fs.readFileSync(new URL('../supergraph/api-schema.graphql', import.meta.url), 'utf8'),
    );
    const operations = [
      schema.getQueryType(),
      schema.getMutationType(),
      schema.getSubscriptionType(),
    ].flatMap((type) => (type ? Object.keys(type.getFields()).map((field) => `${type.name}.${field}`) : []));
    const covered = new Set(Object.keys(MATRIX).map((key) => key.split(' — ')[0] ?? key));
    expect(operations.filter((op) => !covered.has(op))).toEqual([]);
    expect([...covered].filter((op) => !operations.includes(op))).toEqual([]);
  });

  for (const [operation, r] of Object.entries(MATRIX))
    it(`${operation} (${describeExpectation(r.expect)})`, async () => {
      const fixture = r.setup ? await r.setup(world) : undefined;
      world.notes = {};
      const outcomes = {} as Expectation;
      if (r.sequential) for (const c of CALLERS) outcomes[c] = await r.run(world, c, fixture);
      else
        await Promise.all(
          CALLERS.map(async (c) => {
            outcomes[c] = await r.run(world, c, fixture);
          }),
        );
      expect(outcomes, `errors: ${JSON.stringify(world.notes)}`).toEqual(r.expect);
    });
});
