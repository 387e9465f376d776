import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** How the harness runs one worker (workers.<name> in the config). Every default lives here. */
export const workerSection = z
  .strictObject({
    /** Events handed to the handler at most at once. */
    batchSize: int(1, 1_000).default(100),
    /** After the first event of a batch, how long to wait for more before handling a partial batch. */
    lingerMs: int(0, 60_000).default(0),
    /** Events handled at once by a per-event handler (a batch handler gets the whole batch). */
    concurrency: int(1, 256).default(1),
    /** An event not acknowledged in this time is delivered again (the harness extends it while handling). */
    ackWaitMs: int(1_000, 3_600_000).default(30_000),
    /** Deliveries an event gets before it goes to the dead-letter subject. */
    maxDeliveries: int(1, 100).default(5),
    /** Retry delay after the first failure; doubled at each further one, up to retryMaxMs. */
    retryBaseMs: int(0, 3_600_000).default(1_000),
    retryMaxMs: int(0, 86_400_000).default(60_000),
  })
  .prefault({});

export type WorkerSettings = z.infer<typeof workerSection>;

/** The config schema of worker `name`'s role: its section under `workers`. */
export const workerConfigSchema = <N extends string>(name: N) =>
  z.object({
    workers: z.object({ [name]: workerSection } as Record<N, typeof workerSection>).prefault({} as never),
  });
