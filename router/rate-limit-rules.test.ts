import { DEFAULT_MUTATION_RULES, routerSection } from '@gochat/config';
import { describe, expect, it } from 'vitest';

import { apiMutationFields, routerConfigSchema } from './config.ts';
import { resolveMutationRules } from './rate-limit-rules.ts';

const rateLimits = (input: unknown = undefined) => routerSection.parse({ rateLimits: input }).rateLimits;
const resolve = (input?: unknown) => resolveMutationRules(rateLimits(input), apiMutationFields());

describe('mutation rate-limit rules', () => {
  it('resolves the built-in rules: named fields, shared groups, the default per field, sendMessage exempt', () => {
    const { rules, problems } = resolve();
    expect(problems).toEqual([]);
    expect(rules.ruleFor('editMessage')).toEqual({ bucket: 'editMessage', points: 10, windowSeconds: 10 });
    expect(rules.ruleFor('createGuild')).toEqual({ bucket: 'createGuild', points: 5, windowSeconds: 60 });
    expect(rules.ruleFor('addReaction')).toBe(rules.ruleFor('removeReaction'));
    expect(rules.ruleFor('updatePresence')).toMatchObject({ bucket: 'updatePresence' });
    // Unnamed fields: the default rule, one budget each.
    expect(rules.ruleFor('kickMember')).toEqual({
      bucket: 'default:kickMember',
      points: 20,
      windowSeconds: 10,
    });
    expect(rules.ruleFor('banMember')?.bucket).toBe('default:banMember');
    expect(rules.ruleFor('sendMessage')).toBeUndefined();
  });

  it('names only mutation fields of the API in the built-in rules, and covers the writes that store history or fan out', () => {
    const fields = apiMutationFields();
    const named = Object.values(DEFAULT_MUTATION_RULES).flatMap((rule) => rule.fields);
    expect(named.filter((field) => !fields.has(field))).toEqual([]);
    for (const field of [
      'createGuild',
      'editMessage',
      'deleteMessage',
      'addReaction',
      'pinMessage',
      'createThread',
    ])
      expect(named).toContain(field);
    for (const field of [
      'createChannel',
      'createRole',
      'createEmoji',
      'createInvite',
      'updateGuild',
      'updateRole',
    ])
      expect(named).toContain(field);
    for (const field of ['sendFriendRequest', 'openDirectMessage', 'updateProfile', 'updatePresence'])
      expect(named).toContain(field);
  });

  it('merges configured rules over the built-in ones key by key, and adds new ones', () => {
    const { rules, problems } = resolve({
      default: { points: 50, windowSeconds: 5 },
      rules: {
        editMessage: { points: 3 },
        reactions: { windowSeconds: 30 },
        kickMember: { points: 2, windowSeconds: 60 },
        moderation: { points: 5, windowSeconds: 60, fields: ['banMember', 'unbanMember'] },
      },
    });
    expect(problems).toEqual([]);
    expect(rules.ruleFor('editMessage')).toEqual({ bucket: 'editMessage', points: 3, windowSeconds: 10 });
    expect(rules.ruleFor('removeAllReactions')).toEqual({
      bucket: 'reactions',
      points: 40,
      windowSeconds: 30,
    });
    expect(rules.ruleFor('kickMember')).toEqual({ bucket: 'kickMember', points: 2, windowSeconds: 60 });
    expect(rules.ruleFor('unbanMember')).toBe(rules.ruleFor('banMember'));
    expect(rules.ruleFor('timeoutMember')).toEqual({
      bucket: 'default:timeoutMember',
      points: 50,
      windowSeconds: 5,
    });
    expect(rules.named.map((rule) => rule.bucket)).toEqual(
      expect.arrayContaining(['editMessage', 'reactions', 'kickMember', 'moderation']),
    );
  });

  it('reports incomplete rules, unknown fields, a field in two rules and fields limited elsewhere', () => {
    const { problems } = resolve({
      rules: {
        incomplete: { points: 3 },
        typo: { points: 1, windowSeconds: 1, fields: ['editMesage'] },
        twice: { points: 1, windowSeconds: 1, fields: ['createGuild'] },
        sends: { points: 1, windowSeconds: 1, fields: ['sendMessage'] },
        me: { points: 1, windowSeconds: 1 },
      },
    });
    expect(problems).toEqual([
      { path: ['rules', 'incomplete'], message: 'a new rule needs points and windowSeconds' },
      { path: ['rules', 'typo', 'fields', 0], message: 'editMesage is not a mutation field' },
      {
        path: ['rules', 'twice', 'fields', 0],
        message: 'createGuild is already limited by rule createGuild',
      },
      { path: ['rules', 'sends', 'fields', 0], message: 'sendMessage is limited by messages.sendRate' },
      { path: ['rules', 'me'], message: 'me is not a mutation field' },
    ]);
  });

  it('fails the router config at start with the path of each problem', () => {
    const result = routerConfigSchema.safeParse({
      secrets: { internal: 'x'.repeat(40) },
      router: { rateLimits: { rules: { typo: { points: 1, windowSeconds: 1, fields: ['editMesage'] } } } },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['router.rateLimits.rules.typo.fields.0', 'editMesage is not a mutation field'],
    ]);
  });

  it('rejects a zero or fractional budget in the config file', () => {
    expect(() => rateLimits({ default: { points: 0, windowSeconds: 10 } })).toThrow();
    expect(() => rateLimits({ rules: { editMessage: { windowSeconds: 0.5 } } })).toThrow();
    expect(() => rateLimits({ rules: { editMessage: { burst: 3 } } })).toThrow();
  });
});
