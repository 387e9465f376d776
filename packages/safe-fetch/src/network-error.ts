import { refusedAddressOf } from './address-guard.ts';
import { SafeFetchError } from './errors.ts';

/**
 * A failure from node:http, the address guard or the socket, as a SafeFetchError with a message of
 * our own: socket and TLS messages can name internals (local addresses, library paths), and the
 * caller needs only the kind of failure.
 */
export function fromNetworkError(error: unknown, url: string): SafeFetchError {
  if (error instanceof SafeFetchError) return error;
  const address = refusedAddressOf(error);
  if (address !== undefined) {
    return new SafeFetchError('BLOCKED_ADDRESS', url, `the address ${address} may not be fetched`, {
      address,
    });
  }
  const code = error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? '') : '';
  if (code === 'ETIMEDOUT') return new SafeFetchError('TIMEOUT', url, 'the connection timed out');
  return new SafeFetchError('NETWORK', url, describe(code));
}

function describe(code: string): string {
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA') {
    return 'the host name could not be resolved';
  }
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return 'the connection closed before the response was complete';
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'the host is unreachable';
  if (code.startsWith('HPE_')) return 'the server sent an invalid HTTP response';
  if (/CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return 'the TLS connection failed';
  return 'the request failed';
}
