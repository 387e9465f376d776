import crypto from 'node:crypto';

import type { ApolloGateway } from '@apollo/gateway';
import { useApolloFederation } from '@envelop/apollo-federation';
import { DomainError, httpStatusFor } from '@gochat/errors';
import type { IdentitySigner } from '@gochat/identity';
import type { Logger } from '@gochat/log';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';

import type { RouterConfig } from './config.ts';
import { sanitizeError } from './errors.ts';
import type { RouterContext, RouterServerContext } from './context.ts';
import { operationNameChecked, withRequestErrorStatus } from './http-contract.ts';
import { queryLimitsPlugin } from './limits.ts';
import { identityOf, type JwtAuthenticator, type Principal } from './principal.ts';
import { mutationRateLimits, type MutationLimiter } from './rate-limits.ts';
import { unstorableTextRefused } from './text-check.ts';

export type { RouterContext, RouterServerContext } from './context.ts';

export type RouterYoga = YogaServerInstance<RouterServerContext, RouterContext>;

/** The router's envelop pipeline (parse, validate, context, execute) for in-process operations. */
export interface EnvelopedRouter {
  schema: GraphQLSchema;
  parse: (source: string) => DocumentNode;
  validate: (schema: GraphQLSchema, document: DocumentNode) => readonly GraphQLError[];
  contextFactory: () => Promise<RouterContext>;
  execute: (args: ExecutionArgs) => Promise<ExecutionResult>;
}

export function envelopedRouter(yoga: RouterYoga, serverContext: RouterServerContext): EnvelopedRouter {
  return yoga.getEnveloped(serverContext as never) as unknown as EnvelopedRouter;
}

export function createRouterYoga(options: {
  gateway: ApolloGateway;
  auth: JwtAuthenticator;
  signer: IdentitySigner;
  config: RouterConfig['router'];
  publicUrl: string;
  log: Logger;
  mutationLimiter: MutationLimiter;
}): RouterYoga {
  const { auth, signer, log, config } = options;
  // The API reads bearer tokens, never cookies: no credentials, and only the configured origins
  // (by default the public URL's own) may call it from a browser.
  const origins = config.cors.origins.length ? config.cors.origins : [new URL(options.publicUrl).origin];
  return createYoga<RouterServerContext, RouterContext>({
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: config.graphiql ? { subscriptionsProtocol: 'WS', title: 'GoChat' } : false,
    logging: false,
    // Errors are sanitized below with the request id; Yoga's own masking would hide typed codes.
    maskedErrors: false,
    batching: false,
    // Every body reaches Yoga through router/http.ts, which has bounded it to limits.maxBodyBytes:
    // Yoga's own check (25 MB) piped each body through one more web TransformStream.
    maxRequestBodySize: false,
    cors: { origin: origins, credentials: false },
    context: async ({ request, principal, clientIp }) => {
      const requestId = crypto.randomUUID();
      let who: Principal;
      try {
        who = principal ?? (await auth.fromAuthorization(request?.headers.get('authorization')));
      } catch (error) {
        if (error instanceof DomainError)
          throw new GraphQLError(error.message, {
            extensions: { ...error.extensions, http: { status: httpStatusFor(error.code) } },
          });
        throw error;
      }
      return {
        requestId,
        principal: who,
        clientIp,
        identityToken: await signer.sign(identityOf(who, clientIp)),
      };
    },
    plugins: [
      useApolloFederation({ gateway: options.gateway, logger: log }),
      queryLimitsPlugin(config.limits),
      ...(config.introspection ? [] : [introspectionRefused()]),
      operationNameChecked(),
      unstorableTextRefused(),
      httpSubscriptionsRefused(),
      sanitizedErrors(log),
      // After sanitizedErrors, whose onExecuteDone then sees (and keeps) a refusal.
      mutationRateLimits(options.mutationLimiter),
    ],
  });
}

/** `__schema` and `__type` fail validation (`__typename` stays): off by default in production. */
function introspectionRefused(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}

/** The gateway cannot run subscriptions; they are served over graphql-ws on the same path. */
function httpSubscriptionsRefused(): Plugin<RouterContext> {
  return {
    onSubscribe({ setResultAndStopExecution }) {
      setResultAndStopExecution({
        errors: [
          new DomainError(
            'SUBSCRIPTION_UNSUPPORTED',
            'Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql.',
          ),
        ],
      });
    },
  };
}

function sanitizedErrors(log: Logger): Plugin<RouterContext> {
  return {
    // Execution errors are sanitized where the request id is known, so the log and the client share it.
    onExecute({ args }) {
      const { requestId } = args.contextValue as RouterContext;
      return {
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.length) return;
          const errors = (result.errors as readonly unknown[]).map((e) =>
            sanitizeError(e instanceof GraphQLError ? e : new GraphQLError(String(e)), log, requestId),
          );
          setResult({ ...result, errors });
        },
      };
    },
    // Whatever failed before execution (parse, validation, limits, authentication).
    onResultProcess(payload) {
      const { result, serverContext } = payload;
      if (
        Array.isArray(result) ||
        !result ||
        typeof result !== 'object' ||
        !('errors' in result) ||
        !result.errors
      )
        return;
      const requestId = (serverContext as Partial<RouterContext>).requestId ?? crypto.randomUUID();
      // No data: the request failed before execution, which GraphQL over HTTP answers with a 4xx.
      const beforeExecution = !('data' in result);
      payload.setResult({
        ...result,
        errors: result.errors.map((e: unknown) => {
          const error = sanitizeError(
            e instanceof GraphQLError ? e : new GraphQLError(String(e)),
            log,
            requestId,
          );
          return beforeExecution ? withRequestErrorStatus(error) : error;
        }),
      });
    },
  };
}
