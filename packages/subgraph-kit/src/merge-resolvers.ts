type FieldMaps = Record<string, Record<string, unknown>>;

/**
 * One resolver map from a subgraph's per-area maps (resolvers/<area>.ts), so each area lists only its
 * own fields. Two areas defining the same field is a bug, so it throws. Object types only: add scalars
 * (class instances) beside the merged map.
 */
export function mergeResolvers<R extends object>(...areas: R[]): R {
  const merged: FieldMaps = {};
  for (const area of areas)
    for (const [type, fields] of Object.entries(area as FieldMaps)) {
      const target = (merged[type] ??= {});
      for (const [field, resolver] of Object.entries(fields)) {
        if (field in target) throw new Error(`resolver ${type}.${field} defined twice`);
        target[field] = resolver;
      }
    }
  return merged as R;
}
