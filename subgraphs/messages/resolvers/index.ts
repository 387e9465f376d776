import { DateTimeScalar } from '@gochat/subgraph-kit';

import type { Resolvers } from '../generated/resolvers.ts';
import { resolvers as attachments } from './attachments.ts';
import { resolvers as dataExport } from './export.ts';
import { resolvers as mentions } from './mentions.ts';
import { resolvers as messages } from './messages.ts';
import { resolvers as pins } from './pins.ts';
import { resolvers as reactions } from './reactions.ts';
import { resolvers as readStates } from './read-states.ts';
import { resolvers as threads } from './threads.ts';
import { resolvers as typing } from './typing.ts';

const areas: Resolvers[] = [
  messages,
  attachments,
  reactions,
  pins,
  threads,
  readStates,
  typing,
  mentions,
  dataExport,
];

/** One resolver map from the per-area maps; an area may add fields to a type another area declared. */
export const resolvers: Resolvers = { DateTime: DateTimeScalar };
for (const area of areas)
  for (const [type, fields] of Object.entries(area) as [keyof Resolvers, object][])
    Object.assign(((resolvers as Record<string, object>)[type] ??= {}), fields);
