import type { Logger } from '@gochat/log';

/** What the gateway reads instead of a subgraph response over the limit: a typed GraphQL error. */
function tooLargeResponse(limit: number): Response {
  return Response.json({
    errors: [
      {
        message: `The answer would exceed ${limit} bytes. Ask for fewer items or fields.`,
        extensions: { code: 'RESPONSE_TOO_LARGE' },
      },
    ],
  });
}

/**
 * The response with its body read into memory, or RESPONSE_TOO_LARGE once it passes `limit` bytes:
 * reading stops there (the rest is cancelled), so one answer can never make the router hold more.
 */
export async function boundedResponse(
  response: Response,
  limit: number,
  log: Logger,
  subgraph: string,
): Promise<Response> {
  const refuse = async (size: number | undefined) => {
    await response.body?.cancel().catch(() => undefined);
    log.warn({ subgraph, limit, size }, 'subgraph response over router.limits.maxSubgraphResponseBytes');
    return tooLargeResponse(limit);
  };
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limit) return refuse(declared);
  // A declared length within the limit bounds the read already (fetch enforces it): pass it on as it
  // is, without a second copy and the extra turns of the event loop a chunked read costs.
  if (declared <= limit || !response.body) return response;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.releaseLock();
      return refuse(undefined);
    }
    chunks.push(value);
  }
  return new Response(Buffer.concat(chunks), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
