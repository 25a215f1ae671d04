/**
 * A unique-constraint violation (SQLSTATE 23505), from pg or PGlite alike, optionally on one named
 * constraint or index. Both drivers put the name in `constraint`; the message names it too.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e?.code !== "23505") return false;
  if (constraint === undefined) return true;
  return e.constraint === constraint || (typeof e.message === "string" && e.message.includes(`"${constraint}"`));
}
