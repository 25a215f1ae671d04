import { z } from "zod";

/** ISO-8601 UTC timestamp as it appears in JSON. */
export const zTimestamp = z.string().describe("ISO-8601 UTC timestamp");

/** The REST error body, for every error on every route. */
export const zErrorBody = z
  .object({
    success: z.literal(false),
    error: z.string().describe("What went wrong, for people"),
    code: z.string().describe("Stable machine-readable error code (see the error catalogue)"),
    details: z
      .array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() }))
      .optional()
      .describe("Field-level problems; only on validation errors"),
  });
export type ErrorBody = z.infer<typeof zErrorBody>;

export const zDeleted = z.object({ deleted: z.literal(true) });

/** Cursor pagination (document 1's lists). */
export const zCursorPage = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});

export const zHealth = z.object({ status: z.enum(["ok", "unavailable"]) });
