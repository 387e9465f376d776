import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ALL_PERMISSIONS, PERMISSIONS as P } from './bits.ts';
import { canGrant, outranks, rankOf, type RankedRole } from './hierarchy.ts';

const rolesArb = fc.array(
  fc.record({ id: fc.constantFrom('r1', 'r2', 'r3', 'r4'), position: fc.nat({ max: 250 }) }),
  { maxLength: 6 },
);
const knownBits = fc.bigInt({ min: 0n, max: (1n << 41n) - 1n }).map((b) => b & ALL_PERMISSIONS);

describe('rankOf', () => {
  it('is Infinity for the owner, whatever their roles', () => {
    expect(rankOf('u1', 'u1', [])).toBe(Number.POSITIVE_INFINITY);
    fc.assert(fc.property(rolesArb, (roles) => rankOf('u1', 'u1', roles) === Number.POSITIVE_INFINITY));
  });

  it('is 0 (@everyone) for a member without roles', () => {
    expect(rankOf('u1', 'u2', [])).toBe(0);
  });

  it("is the highest of the member's role positions", () => {
    const roles: RankedRole[] = [
      { id: 'r1', position: 3 },
      { id: 'r2', position: 7 },
      { id: 'r3', position: 5 },
    ];
    expect(rankOf('u1', 'u2', roles)).toBe(7);
    fc.assert(
      fc.property(rolesArb, (roles) => {
        const rank = rankOf('u1', 'u2', roles);
        expect(roles.every((r) => r.position <= rank)).toBe(true);
        expect(rank === 0 || roles.some((r) => r.position === rank)).toBe(true);
      }),
    );
  });
});

describe('outranks', () => {
  it('is strict: equal ranks do not outrank each other', () => {
    expect(outranks(5, 4)).toBe(true);
    expect(outranks(5, 5)).toBe(false);
    expect(outranks(4, 5)).toBe(false);
    expect(outranks(0, 0)).toBe(false);
  });

  it('the owner outranks every member but not another owner rank', () => {
    expect(outranks(Number.POSITIVE_INFINITY, 1e9)).toBe(true);
    expect(outranks(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY)).toBe(false);
    expect(outranks(1e9, Number.POSITIVE_INFINITY)).toBe(false);
  });

  it('is irreflexive and asymmetric', () => {
    fc.assert(
      fc.property(fc.nat({ max: 250 }), fc.nat({ max: 250 }), (a, b) => {
        expect(outranks(a, a)).toBe(false);
        expect(outranks(a, b) && outranks(b, a)).toBe(false);
        expect(outranks(a, b)).toBe(a > b);
      }),
    );
  });
});

describe('canGrant', () => {
  it('grants exactly the subsets of what the actor holds; an actor with everything grants anything', () => {
    fc.assert(
      fc.property(
        fc.oneof(knownBits, fc.constant(ALL_PERMISSIONS)),
        fc.oneof(knownBits, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
        (actor, requested) => {
          const subset = [...Array(64).keys()]
            .map((i) => 1n << BigInt(i))
            .every((bit) => (requested & bit) === 0n || (actor & bit) !== 0n);
          expect(canGrant(actor, requested)).toBe(actor === ALL_PERMISSIONS || subset);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('by example', () => {
    expect(canGrant(P.SEND_MESSAGES | P.VIEW_CHANNEL, P.SEND_MESSAGES)).toBe(true);
    expect(canGrant(P.SEND_MESSAGES, P.SEND_MESSAGES | P.VIEW_CHANNEL)).toBe(false);
    expect(canGrant(0n, 0n)).toBe(true);
    expect(canGrant(P.MANAGE_ROLES, P.ADMINISTRATOR)).toBe(false);
    expect(canGrant(ALL_PERMISSIONS, ALL_PERMISSIONS)).toBe(true);
    expect(canGrant(ALL_PERMISSIONS, P.ADMINISTRATOR | P.BAN_MEMBERS)).toBe(true);
  });
});
