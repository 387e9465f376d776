import { createRequire } from 'node:module';

import type * as Gateway from '@apollo/gateway';
import { IDENTITY_HEADER } from '@gochat/identity';
import type { ServiceLink, ServiceLinks } from '@gochat/lifecycle';
import type { Logger } from '@gochat/log';
import { REQUEST_ID_HEADER } from '@gochat/subgraph-kit';

import { boundedResponse } from './bounded-response.ts';

// Required, not imported: an ES import of this CommonJS package reads every named export, and its
// supergraph managers' getters would load @apollo/composition and an HTTP cache the router never
// uses (decision 0057).
const { ApolloGateway, RemoteGraphQLDataSource } = createRequire(import.meta.url)(
  '@apollo/gateway',
) as typeof Gateway;

/** What the router puts in every operation's context; the gateway hands it to each subgraph fetch. */
export interface GatewayContext {
  requestId: string;
  /** The signed identity subgraphs trust: x-gochat-identity. */
  identityToken: string;
}

/** Schema-only subgraph whose fields the router serves over WebSocket (decision 0017). */
const REALTIME = 'realtime';

/** What a plan reaching the realtime subgraph gets: it only happens over HTTP, where presence has no device. */
const realtimeOverHttp: ServiceLink = () =>
  Promise.resolve(
    Response.json({
      errors: [
        {
          message: 'updatePresence works only over the WebSocket connection, for its device.',
          extensions: { code: 'VALIDATION' },
        },
      ],
    }),
  );

/**
 * The federation gateway over the committed supergraph. Subgraph URLs in the supergraph are
 * placeholders: each fetch goes through the role's service link (HTTP or in-process).
 */
export function createGateway(options: {
  supergraphSdl: string;
  links: ServiceLinks;
  log: Logger;
  /** Bytes a subgraph response may have; a larger one is RESPONSE_TOO_LARGE for that fetch. */
  maxResponseBytes: number;
}): Gateway.ApolloGateway {
  // Unless told not to, the gateway probes cloud metadata addresses for its host and sends usage
  // metrics to Apollo every few seconds over HTTPS: traffic GoChat must not make, and CPU taken from
  // requests (decision 0036). The gateway reads only this variable to turn it off.
  // eslint-disable-next-line no-process-env -- a switch of the library, not configuration of GoChat
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  return new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    logger: options.log,
    buildService: ({ name, url }) => {
      const link = name === REALTIME ? realtimeOverHttp : options.links[name];
      if (!link || !url) throw new Error(`no service link for subgraph ${name}`);
      return new RemoteGraphQLDataSource<GatewayContext & Record<string, unknown>>({
        url,
        fetcher: async (input, init) =>
          boundedResponse(
            await link(new Request(input, init as RequestInit)),
            options.maxResponseBytes,
            options.log,
            name,
          ),
        willSendRequest({ request, context }) {
          const { identityToken, requestId } = context as GatewayContext;
          request.http?.headers.set(IDENTITY_HEADER, identityToken);
          request.http?.headers.set(REQUEST_ID_HEADER, requestId);
        },
      });
    },
  });
}
