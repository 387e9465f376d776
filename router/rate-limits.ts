import { createRateLimiter, type KeyValueStore, type RateLimiter } from '@gochat/cache';
import { DomainError, httpStatusFor, rateLimited } from '@gochat/errors';
import type { Logger } from '@gochat/log';
import {
  Kind,
  OperationTypeNode,
  getOperationAST,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

import { apiMutationFields, type RouterConfig } from './config.ts';
import { resolveMutationRules, type MutationRule } from './rate-limit-rules.ts';
import type { RouterContext } from './context.ts';

/**
 * Per-user limits on mutations, on the cache port (Redis with real servers, so every router spends one
 * budget; memory when embedded). docs/decisions/0031-mutation-rate-limits.md.
 */
export interface MutationLimiter {
  /**
   * Charges `userId` `points` (default 1) on the budget of the rule limiting the root mutation field
   * `field`. Resolves when allowed. Rejects with a DomainError: RATE_LIMITED with
   * `extensions.retryAfter` (whole seconds) when the budget is spent, VALIDATION when `points` exceeds
   * what the rule allows in a whole window, SERVICE_UNAVAILABLE (logged) when the store does not answer.
   * A field limited elsewhere (sendMessage) costs nothing here.
   */
  consume(userId: string, field: string, points?: number): Promise<void>;
  /** The same for every root field of one operation (field → how many times it runs), budget by budget. */
  consumeAll(userId: string, fields: ReadonlyMap<string, number>): Promise<void>;
}

export function createMutationLimiter(options: {
  store: KeyValueStore;
  config: RouterConfig['router']['rateLimits'];
  log: Logger;
}): MutationLimiter {
  const { store, config, log } = options;
  const { rules, problems } = resolveMutationRules(config, apiMutationFields());
  // The config schema reports these at start; reaching here with one is a wiring bug.
  if (problems.length)
    throw new Error(
      `router.rateLimits: ${problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`,
    );

  const limiters = new Map<string, RateLimiter>();
  const limiterFor = (rule: MutationRule) => {
    let limiter = limiters.get(rule.bucket);
    if (!limiter) {
      limiter = createRateLimiter(store, {
        name: `router:mutation:${rule.bucket}`,
        points: rule.points,
        windowSeconds: rule.windowSeconds,
      });
      limiters.set(rule.bucket, limiter);
    }
    return limiter;
  };

  const spend = async (userId: string, rule: MutationRule, points: number, fields: string[]) => {
    if (points > rule.points)
      throw new DomainError(
        'VALIDATION',
        `One operation may run ${fields.join(', ')} at most ${rule.points} times ` +
          `(per ${rule.windowSeconds}s); this one runs ${points}.`,
      );
    let decision;
    try {
      decision = await limiterFor(rule).consume(userId, points);
    } catch (error) {
      log.error({ err: error, bucket: rule.bucket }, 'mutation rate limit: store failed');
      throw new DomainError('SERVICE_UNAVAILABLE', 'Rate limits are unavailable. Retry shortly.');
    }
    if (!decision.allowed) throw rateLimited(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  };

  const consumeAll = async (userId: string, fields: ReadonlyMap<string, number>) => {
    const byBucket = new Map<string, { rule: MutationRule; points: number; fields: string[] }>();
    for (const [field, count] of fields) {
      const rule = rules.ruleFor(field);
      if (!rule) continue;
      const entry = byBucket.get(rule.bucket) ?? { rule, points: 0, fields: [] };
      entry.points += count;
      entry.fields.push(field);
      byBucket.set(rule.bucket, entry);
    }
    for (const { rule, points, fields: named } of byBucket.values()) await spend(userId, rule, points, named);
  };

  return {
    consume: (userId, field, points = 1) => consumeAll(userId, new Map([[field, points]])),
    consumeAll,
  };
}

/** How many times each root field of a mutation runs: one per response key (aliases count apart). */
export function rootFieldCounts(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): Map<string, number> {
  const byResponseKey = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        // Directives are not evaluated: a skipped field still counts, which errs on the safe side.
        if (!selection.name.value.startsWith('__'))
          byResponseKey.set(selection.alias?.value ?? selection.name.value, selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) walk(fragment.selectionSet);
      }
    }
  };
  walk(selectionSet);
  const counts = new Map<string, number>();
  for (const field of byResponseKey.values()) counts.set(field, (counts.get(field) ?? 0) + 1);
  return counts;
}

/**
 * Charges the signed-in caller before a mutation executes, so a refused operation runs nothing.
 * Over HTTP the refusal is a 429 with Retry-After; over WebSocket it is that operation's error alone.
 * Anonymous mutations (sign-up, sign-in, ...) are limited per address by the accounts role.
 */
export function mutationRateLimits(limiter: MutationLimiter): Plugin<RouterContext> {
  return {
    async onExecute({ args: untyped, setResultAndStopExecution }) {
      const args = untyped as ExecutionArgs;
      const context = args.contextValue as RouterContext & { request?: Request };
      if (context.principal.kind !== 'user') return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation?.operation !== OperationTypeNode.MUTATION) return;
      try {
        await limiter.consumeAll(
          context.principal.userId,
          rootFieldCounts(operation.selectionSet, fragmentsOf(args)),
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const retryAfter = error.extensions.retryAfter;
        setResultAndStopExecution({
          errors: [error],
          // Yoga turns this into the HTTP status and headers, and leaves it out of the body.
          ...(context.request
            ? {
                extensions: {
                  http: {
                    status: httpStatusFor(error.code),
                    ...(typeof retryAfter === 'number'
                      ? { headers: { 'retry-after': String(retryAfter) } }
                      : {}),
                  },
                },
              }
            : {}),
        });
      }
    },
  };
}

function fragmentsOf(args: ExecutionArgs): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of args.document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return fragments;
}
