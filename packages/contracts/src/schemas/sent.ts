import { z } from "zod";
import { example, zCursorPage, zTimestamp } from "./common.js";
import { MAILBOX_ADDRESS_PATTERN } from "./mailboxes.js";

/*
 * The hosting-style API's list of sent messages (GET /sent): what the tenant sent through the send
 * API and SMTP submission, newest first, each with one overall status summed up from its
 * recipients' deliveries (GET /messages/{id} shows each recipient).
 */

/**
 * A sent message's overall status, from its recipients' delivery statuses. A bounce or a failure is
 * final, so it shows even while other recipients are still pending.
 */
export const SENT_STATUSES = ["queued", "sent", "partially_failed", "failed"] as const;
export type SentStatus = (typeof SENT_STATUSES)[number];

const SENT_STATUS_MESSAGE = `Must be one of ${SENT_STATUSES.join(", ")}`;

export const zSentStatus = z
  .enum(SENT_STATUSES, { error: SENT_STATUS_MESSAGE })
  .describe(
    "queued: no recipient failed, some are still to be delivered (queued, sending or deferred); " +
      "sent: every recipient was handed over; " +
      "partially_failed: some recipients bounced or failed, others were handed over or are still pending; " +
      "failed: every recipient bounced or failed",
  )
  .meta({ examples: ["sent"] });

/** Where a sent message came from: the send API, SMTP submission, or the server itself. */
export const SENT_SOURCES = ["api", "submission", "system"] as const;
export type SentSource = (typeof SENT_SOURCES)[number];

export const zSentListInput = zCursorPage("message").extend({
  status: zSentStatus.optional().describe("Only messages whose overall status is this one"),
  from: z
    .string({ error: "From must be an email address" })
    .trim()
    .max(254, "From must be an email address")
    .regex(MAILBOX_ADDRESS_PATTERN, "From must be an email address")
    .toLowerCase()
    .meta({ format: "email", examples: ["orders@shop.example.com"] })
    .optional()
    .describe("Only messages sent from this address (case-insensitive)"),
});
export type SentListInput = z.infer<typeof zSentListInput>;

export const zSentListItem = z.object({
  id: z.string().describe("msg_…; GET /messages/{id} shows each recipient's delivery"),
  from: z.string().describe("The sender's address"),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  tags: z.array(z.string()),
  source: z.enum(SENT_SOURCES).describe("api: POST /send; submission: SMTP submission; system: written by the server"),
  status: zSentStatus,
  recipients: z.number().int().describe("How many recipients (to, cc and bcc) it went to"),
  created_at: zTimestamp,
});
export type SentListItem = z.infer<typeof zSentListItem>;

export const zSentListOutput = z.object({
  messages: z.array(zSentListItem).describe("Newest first"),
  next_cursor: z
    .string()
    .nullable()
    .describe("Pass as `cursor` for the next page; null on the last page")
    .meta({ examples: ["msg_01knq8z3y6d5v2c9x8w7t6s5r4"] }),
});
export type SentListOutput = z.infer<typeof zSentListOutput>;

// ─── Examples ─────────────────────────────────────────────────────────────────────────────────

const exampleSentItem: z.input<typeof zSentListItem> = {
  id: "msg_01knq8z3y6d5v2c9x8w7t6s5r4",
  from: "orders@shop.example.com",
  to: ["ada@example.org"],
  cc: [],
  subject: "Your order #1042 has shipped",
  tags: ["shipping"],
  source: "api",
  status: "sent",
  recipients: 1,
  created_at: "2026-12-02T09:30:00.000Z",
};
example(zSentListItem, exampleSentItem);
example(zSentListOutput, { messages: [exampleSentItem], next_cursor: null });
