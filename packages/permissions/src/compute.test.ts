import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  ALL_PERMISSIONS,
  DM_PARTICIPANT_PERMISSIONS,
  GUILD_ONLY_PERMISSIONS,
  PERMISSIONS,
  PERMISSION_NAMES,
  SEND_DEPENDENT_PERMISSIONS,
  TIMED_OUT_PERMISSIONS,
  bitsOf,
  namesOf,
  parseBitfield,
  type PermissionName,
} from './bits.ts';
import {
  basePermissions,
  channelPermissions,
  directChannelPermissions,
  type MemberContext,
  type Overwrite,
} from './compute.ts';

const P = PERMISSIONS;

// ---------------------------------------------------------------------------------------------------------
// Reference implementation: one permission at a time, as booleans, straight from the product rules.
// It shares nothing with compute.ts but the input types; the special sets are spelled out by name here
// (and checked against bits.ts's constants below), so a wrong constant cannot hide in both.
// ---------------------------------------------------------------------------------------------------------

const REF_TIMED_OUT_KEEPS: readonly PermissionName[] = ['VIEW_CHANNEL', 'READ_MESSAGE_HISTORY'];
const REF_SEND_DEPENDENT: readonly PermissionName[] = ['MENTION_EVERYONE', 'ATTACH_FILES', 'EMBED_LINKS'];

const holds = (bits: bigint, name: PermissionName): boolean => (bits & P[name]) !== 0n;

const toBits = (granted: (name: PermissionName) => boolean): bigint => {
  let bits = 0n;
  for (const name of PERMISSION_NAMES) if (granted(name)) bits += P[name];
  return bits;
};

/** Rule 1: @everyone or any of the member's roles has it. */
const refRoleGrant = (m: MemberContext, name: PermissionName): boolean =>
  holds(m.everyone, name) || m.roles.some((r) => holds(r.permissions, name));

/** Rules 2 and 3: the owner, and anyone whose base carries ADMINISTRATOR, bypass everything. */
const refBypasses = (m: MemberContext): boolean => m.userId === m.ownerId || refRoleGrant(m, 'ADMINISTRATOR');

function refBase(m: MemberContext): bigint {
  return toBits((name) => {
    if (refBypasses(m)) return true;
    if (m.timedOut === true && !REF_TIMED_OUT_KEEPS.includes(name)) return false;
    return refRoleGrant(m, name);
  });
}

function refChannel(m: MemberContext, overwrites: readonly Overwrite[]): bigint {
  if (refBypasses(m)) return ALL_PERMISSIONS;
  const heldRoleIds = m.roles.map((r) => r.id);
  const everyoneLayer = overwrites.filter((o) => o.targetType === 'role' && o.targetId === m.guildId);
  const rolesLayer = overwrites.filter(
    (o) => o.targetType === 'role' && o.targetId !== m.guildId && heldRoleIds.includes(o.targetId),
  );
  const memberLayer = overwrites.filter((o) => o.targetType === 'member' && o.targetId === m.userId);

  const beforeChannelRules = (name: PermissionName): boolean => {
    let granted = refRoleGrant(m, name);
    for (const layer of [everyoneLayer, rolesLayer, memberLayer]) {
      if (layer.some((o) => holds(o.deny, name))) granted = false;
      if (layer.some((o) => holds(o.allow, name))) granted = true;
    }
    if (m.timedOut === true && !REF_TIMED_OUT_KEEPS.includes(name)) granted = false;
    return granted;
  };

  return toBits((name) => {
    if (!beforeChannelRules('VIEW_CHANNEL')) return false;
    if (REF_SEND_DEPENDENT.includes(name) && !beforeChannelRules('SEND_MESSAGES')) return false;
    return beforeChannelRules(name);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Arbitraries. Ids come from small pools so overwrites sometimes hit the member's roles and sometimes not.
// ---------------------------------------------------------------------------------------------------------

const GUILD = 'g1';
const ME = 'u1';
const OTHER = 'u2';
const ROLE_POOL = ['r1', 'r2', 'r3', 'r4', 'r5'] as const;

const WIDTH = 41n; // MODERATE_MEMBERS is bit 40, the highest known
const anyKnownBits = fc.bigInt({ min: 0n, max: (1n << WIDTH) - 1n }).map((b) => b & ALL_PERMISSIONS);
const someNames = fc.subarray(PERMISSION_NAMES, { maxLength: 5 }).map(bitsOf);

/** Bitfields for roles and @everyone: ADMINISTRATOR only now and then, or nearly everyone would bypass. */
const grantBits = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: anyKnownBits },
      { weight: 4, arbitrary: someNames },
      { weight: 1, arbitrary: fc.constant(0n) },
    ),
    fc.nat({ max: 24 }),
  )
  .map(([bits, dice]) => (dice === 0 ? bits | P.ADMINISTRATOR : bits & ~P.ADMINISTRATOR));

/** Overwrite halves: any known bits, guild-only ones included (they must never trigger a bypass). */
const overwriteBits = fc.oneof(
  { weight: 3, arbitrary: anyKnownBits },
  { weight: 3, arbitrary: someNames },
  { weight: 2, arbitrary: fc.constant(0n) },
  { weight: 1, arbitrary: fc.constant(ALL_PERMISSIONS) },
);

const TARGETS: readonly Pick<Overwrite, 'targetId' | 'targetType'>[] = [
  { targetType: 'role', targetId: GUILD }, // @everyone
  ...ROLE_POOL.map((id) => ({ targetType: 'role' as const, targetId: id })),
  { targetType: 'member', targetId: ME },
  { targetType: 'member', targetId: OTHER },
  { targetType: 'member', targetId: 'u3' },
  // Mistyped targets: must match nothing.
  { targetType: 'member', targetId: 'r1' },
  { targetType: 'role', targetId: 'u4' },
];

/** At most one overwrite per target, as the table's (channel_id, target_id) primary key guarantees. */
const overwritesArb = fc
  .uniqueArray(
    fc.record({
      target: fc.constantFrom(...TARGETS),
      allow: overwriteBits,
      deny: overwriteBits,
    }),
    { selector: (o) => o.target.targetId, maxLength: TARGETS.length },
  )
  .map((list) => list.map(({ target, allow, deny }): Overwrite => ({ ...target, allow, deny })));

const memberArb: fc.Arbitrary<MemberContext> = fc.record({
  userId: fc.constant(ME),
  guildId: fc.constant(GUILD),
  ownerId: fc.oneof({ weight: 1, arbitrary: fc.constant(ME) }, { weight: 9, arbitrary: fc.constant(OTHER) }),
  everyone: grantBits,
  roles: fc.uniqueArray(fc.record({ id: fc.constantFrom(...ROLE_POOL), permissions: grantBits }), {
    selector: (r) => r.id,
    maxLength: 4,
  }),
  timedOut: fc.constantFrom(undefined, false, true),
});

const member = (over: Partial<MemberContext> = {}): MemberContext => ({
  userId: ME,
  guildId: GUILD,
  ownerId: OTHER,
  everyone: 0n,
  roles: [],
  ...over,
});

const ow = (targetType: Overwrite['targetType'], targetId: string, allow = 0n, deny = 0n): Overwrite => ({
  targetType,
  targetId,
  allow,
  deny,
});

// ---------------------------------------------------------------------------------------------------------

describe('the reference implementation agrees with the algorithm', () => {
  it('channelPermissions equals the per-bit reference', () => {
    fc.assert(
      fc.property(memberArb, overwritesArb, (m, overwrites) => {
        expect(channelPermissions(m, overwrites)).toBe(refChannel(m, overwrites));
      }),
      { numRuns: 5000 },
    );
  });

  it('basePermissions equals the per-bit reference', () => {
    fc.assert(
      fc.property(memberArb, (m) => {
        expect(basePermissions(m)).toBe(refBase(m));
      }),
      { numRuns: 2000 },
    );
  });

  it('the reference spells out the same special sets as bits.ts', () => {
    expect(TIMED_OUT_PERMISSIONS).toBe(bitsOf(REF_TIMED_OUT_KEEPS));
    expect(SEND_DEPENDENT_PERMISSIONS).toBe(bitsOf(REF_SEND_DEPENDENT));
  });

  it('the generators exercise every branch', () => {
    // Guards the properties above against vacuity: each interesting case shows up in a sample.
    const seen = { owner: 0, admin: 0, timedOut: 0, hidden: 0, visible: 0, sendStripped: 0, heldRoleOw: 0 };
    for (const [m, overwrites] of fc.sample(fc.tuple(memberArb, overwritesArb), {
      numRuns: 2000,
      seed: 42,
    })) {
      const bits = channelPermissions(m, overwrites);
      if (m.userId === m.ownerId) seen.owner++;
      else if (basePermissions(m) === ALL_PERMISSIONS) seen.admin++;
      else {
        if (m.timedOut) seen.timedOut++;
        if (bits === 0n) seen.hidden++;
        else seen.visible++;
        if (bits !== 0n && (bits & P.SEND_MESSAGES) === 0n) seen.sendStripped++;
      }
      if (overwrites.some((o) => o.targetType === 'role' && m.roles.some((r) => r.id === o.targetId)))
        seen.heldRoleOw++;
    }
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(50);
  });
});

describe('properties of channelPermissions', () => {
  it('is 0n or includes VIEW_CHANNEL, stays within the known bits, and never has send-dependent bits without SEND_MESSAGES', () => {
    fc.assert(
      fc.property(memberArb, overwritesArb, (m, overwrites) => {
        const bits = channelPermissions(m, overwrites);
        expect(bits & ~ALL_PERMISSIONS).toBe(0n);
        if (bits !== 0n) expect(bits & P.VIEW_CHANNEL).toBe(P.VIEW_CHANNEL);
        if ((bits & P.SEND_MESSAGES) === 0n) expect(bits & SEND_DEPENDENT_PERMISSIONS).toBe(0n);
      }),
      { numRuns: 1000 },
    );
  });

  it('does not depend on the order of overwrites or roles', () => {
    fc.assert(
      fc.property(
        memberArb,
        overwritesArb.chain((list) =>
          fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length })),
        ),
        (m, [overwrites, shuffled]) => {
          const reordered = { ...m, roles: [...m.roles].reverse() };
          expect(channelPermissions(reordered, shuffled)).toBe(channelPermissions(m, overwrites));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('ignores overwrites for roles the member lacks and for other members', () => {
    fc.assert(
      fc.property(memberArb, overwritesArb, (m, overwrites) => {
        const held = new Set(m.roles.map((r) => r.id));
        const relevant = overwrites.filter((o) =>
          o.targetType === 'role'
            ? o.targetId === m.guildId || held.has(o.targetId)
            : o.targetId === m.userId,
        );
        expect(channelPermissions(m, overwrites)).toBe(channelPermissions(m, relevant));
      }),
      { numRuns: 1000 },
    );
  });

  it('a timed-out member who is neither owner nor administrator keeps at most view and history', () => {
    fc.assert(
      fc.property(memberArb, overwritesArb, (m0, overwrites) => {
        const m = { ...m0, timedOut: true };
        fc.pre(basePermissions({ ...m, timedOut: false }) !== ALL_PERMISSIONS);
        expect(basePermissions(m) & ~TIMED_OUT_PERMISSIONS).toBe(0n);
        expect(channelPermissions(m, overwrites) & ~TIMED_OUT_PERMISSIONS).toBe(0n);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('the algorithm by example', () => {
  const everyone = P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY;

  it('ORs @everyone with the member’s roles', () => {
    const m = member({
      everyone: P.VIEW_CHANNEL,
      roles: [
        { id: 'r1', permissions: P.SEND_MESSAGES },
        { id: 'r2', permissions: P.KICK_MEMBERS },
      ],
    });
    expect(basePermissions(m)).toBe(P.VIEW_CHANNEL | P.SEND_MESSAGES | P.KICK_MEMBERS);
  });

  it('a deny of VIEW_CHANNEL on the @everyone overwrite hides the channel entirely', () => {
    const m = member({ everyone });
    expect(channelPermissions(m, [ow('role', GUILD, 0n, P.VIEW_CHANNEL)])).toBe(0n);
    expect(channelPermissions(m, [])).toBe(everyone);
  });

  it('a role overwrite allowing VIEW_CHANNEL restores it after the @everyone deny', () => {
    const m = member({ everyone, roles: [{ id: 'r1', permissions: 0n }] });
    const overwrites = [ow('role', GUILD, 0n, P.VIEW_CHANNEL), ow('role', 'r1', P.VIEW_CHANNEL)];
    expect(channelPermissions(m, overwrites)).toBe(everyone);
    // ...but only for members holding that role.
    expect(channelPermissions(member({ everyone, roles: [{ id: 'r2', permissions: 0n }] }), overwrites)).toBe(
      0n,
    );
  });

  it('within the roles layer an allow from one role beats a deny from another', () => {
    const m = member({
      everyone,
      roles: [
        { id: 'r1', permissions: 0n },
        { id: 'r2', permissions: 0n },
      ],
    });
    const overwrites = [ow('role', 'r1', 0n, P.SEND_MESSAGES), ow('role', 'r2', P.SEND_MESSAGES)];
    expect(channelPermissions(m, overwrites)).toBe(everyone);
  });

  it('a member overwrite deny beats a role overwrite allow', () => {
    const m = member({ everyone, roles: [{ id: 'r1', permissions: 0n }] });
    const overwrites = [ow('role', 'r1', P.MANAGE_MESSAGES), ow('member', ME, 0n, P.MANAGE_MESSAGES)];
    expect(channelPermissions(m, overwrites)).toBe(everyone);
    expect(channelPermissions(m, overwrites.slice(0, 1))).toBe(everyone | P.MANAGE_MESSAGES);
  });

  it('another member’s overwrite has no effect', () => {
    const m = member({ everyone });
    expect(channelPermissions(m, [ow('member', OTHER, 0n, P.VIEW_CHANNEL)])).toBe(everyone);
  });

  it('losing SEND_MESSAGES removes the send-dependent bits', () => {
    const m = member({ everyone: everyone | SEND_DEPENDENT_PERMISSIONS });
    expect(channelPermissions(m, [])).toBe(everyone | SEND_DEPENDENT_PERMISSIONS);
    expect(channelPermissions(m, [ow('role', GUILD, 0n, P.SEND_MESSAGES)])).toBe(
      P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY,
    );
  });

  it('ADMINISTRATOR bypasses a member overwrite deny, and a timeout', () => {
    const m = member({ everyone, roles: [{ id: 'r1', permissions: P.ADMINISTRATOR }], timedOut: true });
    expect(basePermissions(m)).toBe(ALL_PERMISSIONS);
    expect(channelPermissions(m, [ow('member', ME, 0n, ALL_PERMISSIONS)])).toBe(ALL_PERMISSIONS);
  });

  it('ADMINISTRATOR granted by an overwrite is no bypass', () => {
    const m = member({ everyone });
    expect(channelPermissions(m, [ow('member', ME, P.ADMINISTRATOR)])).toBe(everyone | P.ADMINISTRATOR);
  });

  it('the owner gets everything, whatever their roles, overwrites or timeout', () => {
    const m = member({ ownerId: ME, everyone: 0n, timedOut: true });
    expect(basePermissions(m)).toBe(ALL_PERMISSIONS);
    expect(
      channelPermissions(m, [ow('role', GUILD, 0n, ALL_PERMISSIONS), ow('member', ME, 0n, ALL_PERMISSIONS)]),
    ).toBe(ALL_PERMISSIONS);
  });

  it('a timed-out member keeps only VIEW_CHANNEL and READ_MESSAGE_HISTORY, even when an overwrite allows more', () => {
    const m = member({ everyone: DM_PARTICIPANT_PERMISSIONS | P.MANAGE_MESSAGES, timedOut: true });
    expect(basePermissions(m)).toBe(P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY);
    expect(channelPermissions(m, [ow('member', ME, P.SEND_MESSAGES | P.MANAGE_CHANNELS)])).toBe(
      P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY,
    );
    expect(channelPermissions(m, [ow('role', GUILD, 0n, P.VIEW_CHANNEL)])).toBe(0n);
  });

  it('DM participants get the fixed set, others nothing', () => {
    expect(directChannelPermissions(true)).toBe(DM_PARTICIPANT_PERMISSIONS);
    expect(directChannelPermissions(false)).toBe(0n);
  });
});

describe('bits', () => {
  it('GUILD_ONLY_PERMISSIONS lists the guild-wide bits', () => {
    expect(namesOf(GUILD_ONLY_PERMISSIONS).sort()).toEqual(
      [
        'ADMINISTRATOR',
        'BAN_MEMBERS',
        'CHANGE_NICKNAME',
        'KICK_MEMBERS',
        'MANAGE_EMOJIS',
        'MANAGE_GUILD',
        'MANAGE_NICKNAMES',
        'MODERATE_MEMBERS',
        'VIEW_AUDIT_LOG',
      ].sort(),
    );
  });

  it('every permission is one distinct bit, with Discord’s values for a few well-known ones', () => {
    const values = Object.values(P);
    for (const v of values) expect(v & (v - 1n)).toBe(0n);
    expect(new Set(values).size).toBe(values.length);
    expect(ALL_PERMISSIONS).toBe(values.reduce((a, b) => a + b, 0n));
    expect(P.ADMINISTRATOR).toBe(8n);
    expect(P.VIEW_CHANNEL).toBe(1024n);
    expect(P.MODERATE_MEMBERS).toBe(1099511627776n);
  });

  describe('parseBitfield', () => {
    it('accepts 0 and decimal strings of known bits', () => {
      expect(parseBitfield('0')).toBe(0n);
      expect(parseBitfield('8')).toBe(P.ADMINISTRATOR);
      expect(parseBitfield(ALL_PERMISSIONS.toString())).toBe(ALL_PERMISSIONS);
      fc.assert(fc.property(anyKnownBits, (bits) => parseBitfield(bits.toString()) === bits));
    });

    it('rejects unknown bits', () => {
      expect(parseBitfield((1n << 8n).toString())).toBeUndefined(); // bit 8 (PRIORITY_SPEAKER) is not ours
      expect(parseBitfield((1n << 63n).toString())).toBeUndefined();
      expect(parseBitfield((ALL_PERMISSIONS | (1n << 41n)).toString())).toBeUndefined();
      fc.assert(
        fc.property(
          fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).filter((b) => (b & ~ALL_PERMISSIONS) !== 0n),
          (bits) => parseBitfield(bits.toString()) === undefined,
        ),
      );
    });

    it('rejects negatives, non-decimal forms, leading zeros and more than 20 digits', () => {
      for (const s of [
        '-1',
        '-0',
        '-8',
        '+8',
        ' 8',
        '8 ',
        '',
        '0x8',
        '1e3',
        '8.0',
        '8n',
        'abc',
        '08',
        '00',
        '0008',
      ])
        expect(parseBitfield(s), s).toBeUndefined();
      expect(parseBitfield('1' + '0'.repeat(20))).toBeUndefined(); // 21 digits
      expect(parseBitfield('9'.repeat(21))).toBeUndefined();
      expect(parseBitfield('9'.repeat(20))).toBeUndefined(); // 20 digits but unknown bits
    });
  });

  it('namesOf and bitsOf round-trip', () => {
    fc.assert(
      fc.property(anyKnownBits, (bits) => {
        expect(bitsOf(namesOf(bits))).toBe(bits);
      }),
    );
    fc.assert(
      fc.property(fc.subarray(PERMISSION_NAMES), (names) => {
        expect(namesOf(bitsOf(names))).toEqual(names);
      }),
    );
    // Unknown bits have no name and are dropped.
    expect(namesOf(P.SPEAK | (1n << 8n))).toEqual(['SPEAK']);
  });
});
