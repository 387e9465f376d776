/**
 * Runs an application callback. graphql-ws calls sinks inside its message handler, where a throw
 * would be taken for a protocol error and close the socket for good: rethrow it outside instead.
 */
export function runCallback(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}
