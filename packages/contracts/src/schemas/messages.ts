import { z } from "zod";
import { zId } from "../ids.js";
import { NON_BLANK, zCursorPage, zDateTimeInput, zQueryInteger, zTimestamp } from "./common.js";

/*
 * Received mail, in the two wire dialects:
 *  - document 1 (inbox / messages): snake_case bare objects;
 *  - document 2 (emails/{id}/messages): camelCase inside `{ success: true, data }`.
 */

/** Longest wait the API holds a request for. */
export const MAX_WAIT_SECONDS = 300;

const queryBoolean = z
  .enum(["true", "false"], { error: 'Must be "true" or "false"' })
  .transform((v) => v === "true");
const queryTimestamp = zDateTimeInput();

export const zMailAddress = z.object({ address: z.string(), name: z.string().nullable() });

/** SPF, DKIM, DMARC and ARC verdicts as checked on arrival. */
export const zAuthResults = z.object({
  spf: z.object({ result: z.string(), domain: z.string().nullable() }),
  dkim: z.array(
    z.object({ result: z.string(), domain: z.string().nullable(), selector: z.string().nullable(), aligned: z.boolean() }),
  ),
  dmarc: z.object({ result: z.string(), policy: z.string().nullable(), domain: z.string().nullable() }),
  arc: z.object({ result: z.string() }),
  header: z.string().describe("The Authentication-Results header added to the stored message"),
});
export type AuthResults = z.infer<typeof zAuthResults>;

// ─── Document 1: inbox and messages ──────────────────────────────────────────────────────────

export const zInboxMessage = z.object({
  id: z.string(),
  from: z.string().describe("The sender's address (From header); empty when there is none"),
  from_name: z.string().nullable(),
  subject: z.string(),
  date: zTimestamp.describe("The Date header, or when the message arrived if it has none"),
  received_at: zTimestamp,
  to: z.array(zMailAddress),
  to_tag: z
    .string()
    .nullable()
    .describe("The tag of the address it was sent to (orders for info+orders@…); null when it had none"),
  sent_message_id: z
    .string()
    .nullable()
    .describe("The msg_… id that send returned when this is the copy of a message sent from this server; null for mail from outside"),
  seen: z.boolean(),
  size: z.number().int().describe("Bytes, as stored"),
  has_attachments: z.boolean(),
  preview: z.string().describe("The first characters of the text"),
});
export type InboxMessage = z.infer<typeof zInboxMessage>;

export const zAttachment = z.object({
  id: z.string(),
  filename: z.string().nullable(),
  content_type: z.string(),
  size: z.number().int(),
  content_id: z.string().nullable(),
});

export const zMessage = zInboxMessage.extend({
  account_id: z.string(),
  cc: z.array(zMailAddress),
  reply_to: z.array(zMailAddress),
  message_id: z.string().nullable(),
  in_reply_to: z.string().nullable(),
  text: z.string().nullable(),
  html: z.string().nullable(),
  headers: z.array(z.object({ name: z.string(), value: z.string() })).describe("In message order, top first"),
  attachments: z.array(zAttachment),
  auth_results: zAuthResults,
  envelope: z.object({ mail_from: z.string().nullable(), rcpt_to: z.string() }),
});
export type Message = z.infer<typeof zMessage>;

export const zInboxInput = zCursorPage("message").extend({
  account_id: zId("mailbox"),
  unread: queryBoolean.optional().describe('"true": only messages not yet seen'),
  since: queryTimestamp.optional().describe("Only messages received at or after this time"),
});

export const zInboxOutput = z.object({
  messages: z.array(zInboxMessage).describe("Newest first"),
  next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
});

export const zMessageIdInput = z.object({ id: zId("message") });

/**
 * A JSON true or false, exactly. Not z.boolean(): trpc-to-openapi switches `coerce` on every
 * boolean of a REST input, body included, and a coerced "false" (or "yes") would be true.
 */
const zStrictBoolean = z.union([z.literal(true), z.literal(false)], { error: "Must be true or false" });

export const zUpdateMessageInput = z.object({ id: zId("message"), seen: zStrictBoolean });

const zWaitFilter = (label: string) =>
  z
    .string()
    .trim()
    .min(1, `${label} must not be blank`)
    .max(200, `${label} must be at most 200 characters`)
    .meta(NON_BLANK);

export const zWaitInput = z.object({
  account_id: zId("mailbox"),
  timeout: zQueryInteger({ min: 1, max: MAX_WAIT_SECONDS, unit: "seconds" }).default(30),
  subject: zWaitFilter("Subject").optional().describe("Part of the subject, case-insensitive"),
  from: zWaitFilter("From").optional().describe("Part of the sender's address, case-insensitive"),
  since: queryTimestamp
    .optional()
    .describe("Also match messages that arrived at or after this time; default: only ones arriving from now on"),
});

// ─── Document 2: emails/{id}/messages ────────────────────────────────────────────────────────

export const zEmailMessageSummary = z.object({
  id: z.string(),
  from: z.string(),
  fromName: z.string().nullable(),
  subject: z.string(),
  date: zTimestamp,
  receivedAt: zTimestamp,
  to: z.array(zMailAddress),
  toTag: z.string().nullable().describe("The tag of the address it was sent to (orders for info+orders@…), or null"),
  sentMessageId: z
    .string()
    .nullable()
    .describe("The id of the sent message this is a copy of, when it was sent from this server; null for mail from outside"),
  seen: z.boolean(),
  size: z.number().int(),
  hasAttachments: z.boolean(),
  preview: z.string(),
});

export const zEmailMessage = zEmailMessageSummary.extend({
  emailId: z.string(),
  cc: z.array(zMailAddress),
  replyTo: z.array(zMailAddress),
  messageId: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  text: z.string().nullable(),
  html: z.string().nullable(),
  headers: z.array(z.object({ name: z.string(), value: z.string() })),
  attachments: z.array(
    z.object({
      id: z.string(),
      filename: z.string().nullable(),
      contentType: z.string(),
      size: z.number().int(),
      contentId: z.string().nullable(),
    }),
  ),
  authResults: zAuthResults,
});

export const zEmailMessagesInput = z.object({
  id: zId("mailbox"),
  page: zQueryInteger({ min: 1 }).default(1),
  pageSize: zQueryInteger({ min: 1, max: 100 }).default(20),
});

export const zEmailMessagePage = z.object({
  messages: z.array(zEmailMessageSummary),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  totalPages: z.number().int(),
});

export const zEmailMessageInput = z.object({ id: zId("mailbox"), message_id: zId("message") });
