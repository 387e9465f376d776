import crypto from 'node:crypto';

import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { IDENTITY_HEADER, type Identity, type IdentityVerifier } from '@gochat/identity';
import type { Logger } from '@gochat/log';
import { isPublicCode } from '@gochat/errors';
import { GraphQLError, parse } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';

import { maskError } from './errors.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

export interface BaseContext {
  identity: Identity;
  requestId: string;
  log: Logger;
}

export interface SubgraphOptions<TContext extends BaseContext> {
  name: string;
  typeDefs: string;
  resolvers: unknown;
  verifier: IdentityVerifier;
  log: Logger;
  /** Adds per-request state (DataLoaders, stores) to the base context. */
  context: (base: BaseContext) => TContext;
  /**
   * Whether a user still exists. Asked only when a user's request failed in a way a deleted account
   * can cause (an unexpected error, FORBIDDEN, NOT_FOUND): a still-valid JWT of a deleted account
   * then answers UNAUTHENTICATED, and successful requests cost nothing extra.
   */
  accountExists?: (userId: string) => Promise<boolean>;
}

export type Subgraph = YogaServerInstance<Record<string, never>, BaseContext>;

/**
 * A federation subgraph on Yoga. Requests without a valid router identity are refused with 401
 * before any parsing or execution: subgraphs are reachable only through the router.
 */
export function createSubgraph<TContext extends BaseContext>(options: SubgraphOptions<TContext>): Subgraph {
  const { verifier, log } = options;
  const identities = new WeakMap<Request, Identity>();
  const schema = buildSubgraphSchema([
    { typeDefs: parse(options.typeDefs), resolvers: options.resolvers as GraphQLResolverMap<unknown> },
  ]);

  return createYoga<Record<string, never>, BaseContext>({
    schema,
    graphqlEndpoint: '/graphql',
    graphiql: false,
    landingPage: false,
    healthCheckEndpoint: false as unknown as string,
    logging: false,
    // Second line of defence for errors outside execution; execution errors are masked below, where
    // the request id is known, so the log line and the client's error share it.
    maskedErrors: true,
    context: ({ request }) => {
      const identity = identities.get(request);
      // onRequest refused every request without one, so this cannot happen; fail closed if it does.
      if (!identity) throw new Error('identity missing after verification');
      const requestId = request.headers.get(REQUEST_ID_HEADER) ?? crypto.randomUUID();
      return options.context({ identity, requestId, log: log.child({ requestId }) });
    },
    plugins: [
      maskingPlugin(log, options.accountExists),
      {
        async onRequest(payload) {
          const { request } = payload;
          try {
            identities.set(request, await verifier.verify(request.headers.get(IDENTITY_HEADER)));
          } catch (error) {
            log.warn({ subgraph: options.name, reason: (error as Error).message }, 'refused request');
            payload.endResponse(
              Response.json(
                {
                  errors: [
                    {
                      message: 'This service accepts requests from the GoChat router only.',
                      extensions: { code: 'UNAUTHENTICATED' },
                    },
                  ],
                },
                { status: 401 },
              ),
            );
          }
        },
      },
    ],
  });
}

/** Errors a request of an account deleted since its JWT was issued can end with. */
const mayComeFromDeletedAccount = (error: GraphQLError) => {
  const { code } = error.extensions;
  return code === 'FORBIDDEN' || code === 'NOT_FOUND' || !isPublicCode(code);
};

/**
 * Masks execution errors where the request id is known, so the log line and the client share it. A
 * failed request of a user who no longer exists is UNAUTHENTICATED instead (see accountExists).
 */
function maskingPlugin(
  log: Logger,
  accountExists: ((userId: string) => Promise<boolean>) | undefined,
): Plugin<BaseContext> {
  return {
    onExecute({ args }) {
      const { requestId, identity } = args.contextValue;
      return {
        async onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.length) return;
          if (
            accountExists &&
            identity.kind === 'user' &&
            result.errors.some(mayComeFromDeletedAccount) &&
            !(await accountExists(identity.userId).catch(() => true))
          ) {
            log.info({ requestId, userId: identity.userId }, 'request of a deleted account');
            setResult({ ...result, errors: result.errors.map(accountGone) as never });
            return;
          }
          setResult({ ...result, errors: result.errors.map((e) => maskError(e, log, requestId)) as never });
        },
      };
    },
  };
}

const accountGone = (error: GraphQLError) =>
  new GraphQLError('This account no longer exists.', {
    ...(error.path ? { path: error.path } : {}),
    extensions: { code: 'UNAUTHENTICATED' },
  });
