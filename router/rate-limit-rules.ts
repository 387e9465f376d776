import { DEFAULT_MUTATION_RULES, type routerSection } from '@gochat/config';
import type { z } from 'zod';

// The section's type, not RouterConfig's: config.ts validates with this module (no import cycle).
type RateLimitsConfig = z.infer<typeof routerSection>['rateLimits'];

/** One budget: `points` root fields per `windowSeconds`, per user. */
export interface MutationRule {
  /** Names the budget (the rule's name, or `default:<field>` for a field no rule names). */
  bucket: string;
  points: number;
  windowSeconds: number;
}

/**
 * Limited elsewhere, so never charged at the router: sendMessage has the messages role's per-user
 * `messages.sendRate` and slowmode, spent after its nonce and access checks.
 */
export const LIMITED_ELSEWHERE: ReadonlyMap<string, string> = new Map([['sendMessage', 'messages.sendRate']]);

export interface MutationRules {
  /** The rule charged for a root mutation field; undefined for a field limited elsewhere. */
  ruleFor(field: string): MutationRule | undefined;
  /** Every named rule, for creating its limiter up front. */
  readonly named: readonly MutationRule[];
}

/** A config mistake, with the path under router.rateLimits it concerns. */
export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Merges the configured rules over the built-in ones (by name, key by key) and checks them: every
 * rule complete, every field a mutation of the API, no field in two rules, none limited elsewhere.
 */
export function resolveMutationRules(
  config: RateLimitsConfig,
  mutationFields: ReadonlySet<string>,
): { rules: MutationRules; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const byField = new Map<string, MutationRule>();
  const named: MutationRule[] = [];
  const names = new Set([...Object.keys(DEFAULT_MUTATION_RULES), ...Object.keys(config.rules)]);
  for (const name of names) {
    const merged = { ...DEFAULT_MUTATION_RULES[name], ...config.rules[name] };
    const { points, windowSeconds } = merged;
    if (points === undefined || windowSeconds === undefined) {
      problems.push({ path: ['rules', name], message: 'a new rule needs points and windowSeconds' });
      continue;
    }
    const rule: MutationRule = { bucket: name, points, windowSeconds };
    named.push(rule);
    (merged.fields ?? [name]).forEach((field, index) => {
      const path = ['rules', name, ...(merged.fields ? ['fields', index] : [])];
      const owner = byField.get(field);
      const elsewhere = LIMITED_ELSEWHERE.get(field);
      if (!mutationFields.has(field)) problems.push({ path, message: `${field} is not a mutation field` });
      else if (elsewhere) problems.push({ path, message: `${field} is limited by ${elsewhere}` });
      else if (owner) problems.push({ path, message: `${field} is already limited by rule ${owner.bucket}` });
      else byField.set(field, rule);
    });
  }

  const defaults = new Map<string, MutationRule>();
  return {
    problems,
    rules: {
      named,
      ruleFor(field) {
        if (LIMITED_ELSEWHERE.has(field)) return undefined;
        const rule = byField.get(field);
        if (rule) return rule;
        let fallback = defaults.get(field);
        if (!fallback) {
          fallback = { bucket: `default:${field}`, ...config.default };
          defaults.set(field, fallback);
        }
        return fallback;
      },
    },
  };
}
