/**
 * A PostgreSQL array literal of strings, sent as one text parameter and cast in SQL: the same on
 * node-postgres and PGlite, and no parameter per element.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
