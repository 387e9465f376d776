/** Command-line flags of bench:fanout. */
import { z } from 'zod';

export const TARGETS = ['embedded', 'real', 'floor'] as const;
export type TargetName = (typeof TARGETS)[number];

const flagsSchema = z.object({
  subscribers: z.coerce.number().int().min(1).max(15_000),
  senders: z.coerce.number().int().min(1).max(64),
  rates: z.array(z.coerce.number().positive()).min(1),
  stepSeconds: z.coerce.number().positive(),
  warmupSeconds: z.coerce.number().min(0),
  connections: z.coerce.number().int().min(0).max(15_000),
  only: z.array(z.enum(TARGETS)).min(1),
  /** A directory: a V8 CPU profile of each socket-holding process during the load steps goes there. */
  cpuProfile: z.string().optional(),
  /**
   * After the ladder, bisect between the last good and the first broken rate until the first broken
   * is at most this factor above the last good: 1.07 brackets each maximum within 7%, so a ratio of
   * two maxima is known to about ±15%.
   */
  precision: z.coerce.number().min(1.01).max(2),
});

export type Flags = z.infer<typeof flagsSchema>;

const FULL = {
  subscribers: 1000,
  senders: 4,
  // Doubling from 5 msg/s; the run stops at the first step that breaks.
  rates: [5, 10, 20, 40, 80, 160, 320, 640, 1280],
  stepSeconds: 8,
  warmupSeconds: 2,
  connections: 10_000,
  only: [...TARGETS],
  cpuProfile: undefined,
  precision: 1.07,
};

/** --quick: a short run for development (200 subscribers, three steps, 1,000 connections). */
const QUICK = {
  ...FULL,
  subscribers: 200,
  rates: [5, 20, 80],
  stepSeconds: 3,
  warmupSeconds: 1,
  connections: 1000,
};

export const USAGE = `Usage: npm run bench:fanout -- [--quick] [--subscribers N] [--senders N] [--rates 5,10,20]
  [--step-seconds S] [--warmup-seconds S] [--connections N (0 skips the many-connections phase)]
  [--only embedded,real,floor] [--cpu-profile DIR] [--precision 1.07 (bisection bracket; 2 turns it off)]`;

export function parseFlags(argv: string[]): Flags {
  const values: Record<string, unknown> = argv.includes('--quick') ? { ...QUICK } : { ...FULL };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--quick') continue;
    if (flag === '--help') {
      console.log(USAGE);
      process.exit(0);
    }
    const name = flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = argv[++i];
    if (!flag.startsWith('--') || !(name in FULL) || value === undefined)
      throw new Error(`bad flag ${flag}\n${USAGE}`);
    values[name] = name === 'rates' || name === 'only' ? value.split(',') : value;
  }
  return flagsSchema.parse(values);
}
