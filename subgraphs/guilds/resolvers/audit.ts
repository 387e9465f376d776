import { parseInput } from '@gochat/errors';
import { z } from 'zod';

import { requireGuildPermission } from '../access.ts';
import type { Resolvers } from '../generated/resolvers.ts';
import type { AuditChangeRow } from '../store/rows.ts';
import { id, optionalId } from './context.ts';

const first = z.number().int().min(1, 'at least 1').max(100, 'at most 100');
const targetId = z.string().min(1, 'must not be empty').max(100, 'at most 100 characters');

/** A stored value as GraphQL carries it: JSON text, or null when the field did not exist on that side. */
const json = (change: AuditChangeRow, side: 'before' | 'after'): string | null =>
  side in change && change[side] !== undefined ? JSON.stringify(change[side]) : null;

export const auditResolvers: Resolvers = {
  AuditLogEntry: {
    actor: (entry) => ({ id: entry.actorId }),
    changes: (entry) =>
      (Array.isArray(entry.changes) ? (entry.changes as AuditChangeRow[]) : []).map((change) => ({
        key: change.key,
        before: json(change, 'before'),
        after: json(change, 'after'),
      })),
  },

  Query: {
    auditLog: async (_root, args, ctx) => {
      const guildId = id(args.guildId, 'guildId');
      const before = optionalId(args.before, 'before') ?? undefined;
      const actorId = optionalId(args.actorId, 'actorId') ?? undefined;
      await requireGuildPermission(ctx, guildId, 'VIEW_AUDIT_LOG');
      return ctx.store.auditPage({
        guildId,
        first: parseInput(first, args.first ?? 50, 'first'),
        before,
        action: args.action ?? undefined,
        actorId,
        targetId: args.targetId == null ? undefined : parseInput(targetId, args.targetId, 'targetId'),
      });
    },
  },
};
