import type { StoreDeps } from './commit.ts';

/** Sending, editing and deleting messages (filled in by its implementation). */
export const createMessageWritesStore = (deps: StoreDeps) => ({ deps });
