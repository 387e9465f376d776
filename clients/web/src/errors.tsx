import { CombinedGraphQLErrors } from '@apollo/client/errors';

/** Readable text for an API error: its code says what happened; the message says the rest. */
export function describeError(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) {
    const first = error.errors[0];
    const extensions = (first?.extensions ?? {}) as { code?: string; retryAfter?: number; field?: string };
    const message = first?.message ?? 'Something went wrong.';
    switch (extensions.code) {
      case 'RATE_LIMITED':
        return `Slow down: try again in ${extensions.retryAfter ?? 'a few'} seconds.`;
      case 'FORBIDDEN':
        return `Not allowed: ${message}`;
      case 'NOT_FOUND':
        return `Not found: ${message}`;
      case 'VALIDATION':
      case 'BAD_USER_INPUT':
        return extensions.field ? `${extensions.field}: ${message}` : message;
      case 'UNAUTHENTICATED':
        return `Please sign in again: ${message}`;
      case undefined:
      default:
        return message;
    }
  }
  if (error instanceof Error) return navigator.onLine ? error.message : 'You are offline.';
  return 'Something went wrong.';
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {describeError(error)}
    </p>
  );
}
