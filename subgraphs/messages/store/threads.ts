import type { StoreDeps } from './commit.ts';

/** SQL of this area (filled in by its implementation). */
export const createThreadsStore = (deps: StoreDeps) => ({ deps });
