import { z } from "zod";
import { EXAMPLE_IDS, zId } from "../ids.js";
import {
  EXAMPLE_TIMES,
  NON_BLANK,
  example,
  zCursorPage,
  zDateTimeInput,
  zJsonBoolean,
  zQueryInteger,
  zTimestamp,
} from "./common.js";

/*
 * Received mail, in the two wire dialects:
 *  - document 1 (inbox / messages): snake_case bare objects;
 *  - document 2 (emails/{id}/messages): camelCase inside `{ success: true, data }`.
 */

/** Longest wait the API holds a request for. */
export const MAX_WAIT_SECONDS = 300;

const queryBoolean = z.enum(["true", "false"], { error: 'Must be "true" or "false"' }).transform((v) => v === "true");
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
    .describe(
      "The msg_… id that send returned when this is the copy of a message sent from this server; null for mail from outside",
    ),
  seen: z.boolean(),
  flags: z
    .array(z.string())
    .describe("IMAP flags: \\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft, then keywords (flags without a backslash)"),
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
  url: z.string().describe("Where to download it: a path on this server (the tenant's key or the mailbox's token)"),
});

export const zExtractedLink = z.object({
  url: z.string().describe("As written in the message, HTML entities decoded"),
  text: z.string().describe("The link's visible text (or its image's alt text); empty for a bare URL in the text"),
});

const zCodes = z
  .array(z.string())
  .describe(
    "One-time codes found in the subject and text (the HTML's text when there is no text part), the likeliest first; empty when none",
  );
const zLinks = z
  .array(zExtractedLink)
  .describe(
    "Links from the HTML's anchors, then bare http(s) URLs in the text: one per URL, in order, at most 100; mailto:, tel:, javascript:, data: and cid: left out",
  );

export const zMessage = zInboxMessage.extend({
  account_id: z.string(),
  folder: z.string().describe("The name of the folder it is in (INBOX, Sent, Work/Projects, …)"),
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
  codes: zCodes,
  links: zLinks,
  urls: z
    .object({
      raw: z.string().describe("The stored bytes (message/rfc822)"),
      html: z.string().describe("The HTML body for a sandboxed frame, behind a strict Content-Security-Policy"),
    })
    .describe("Paths on this server"),
});
export type Message = z.infer<typeof zMessage>;

export const zInboxInput = zCursorPage("message").extend({
  account_id: zId("mailbox"),
  unread: queryBoolean.optional().describe('"true": only messages not yet seen'),
  since: queryTimestamp.optional().describe("Only messages received at or after this time"),
  folder: z
    .string()
    .min(1, "Folder must not be empty")
    .optional()
    .describe("The folder to list, by name (Sent, Work/Projects); default INBOX"),
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
/** Most flags one PATCH may name; a message holds at most 50 keywords anyway. */
const MAX_FLAGS_PER_CHANGE = 60;
const zFlagList = z
  .array(z.string())
  .max(MAX_FLAGS_PER_CHANGE, `At most ${MAX_FLAGS_PER_CHANGE} flags`)
  .describe("IMAP flags: \\Seen, \\Answered, \\Flagged, \\Deleted, \\Draft, or keywords (atoms without a backslash)");

export const zUpdateMessageInput = z
  .object({
    id: zId("message"),
    seen: zJsonBoolean().optional().describe("Shorthand for adding (true) or removing (false) \\Seen"),
    flags: z
      .object({ add: zFlagList.optional(), remove: zFlagList.optional() })
      .optional()
      .describe("Flags to add and to remove; flags not named stay as they are"),
    folder: z
      .string()
      .min(1, "Folder must not be empty")
      .optional()
      .describe("Move the message to this folder of its mailbox, by name (Archive, Work/Projects)"),
  })
  .refine((v) => v.seen !== undefined || v.flags !== undefined || v.folder !== undefined, {
    message: "Give seen, flags or folder",
    path: ["seen"],
  })
  .meta({
    anyOf: [{ required: ["seen"] }, { required: ["flags"] }, { required: ["folder"] }],
    description: "Flags change first, then the move: both in one transaction",
  });

const zWaitFilter = (label: string) =>
  z.string().trim().min(1, `${label} must not be blank`).max(200, `${label} must be at most 200 characters`).meta(NON_BLANK);

export const zWaitInput = z.object({
  account_id: zId("mailbox"),
  timeout: zQueryInteger({ min: 1, max: MAX_WAIT_SECONDS, unit: "seconds" }).default(30),
  subject: zWaitFilter("Subject").optional().describe("Part of the subject, case-insensitive"),
  from: zWaitFilter("From").optional().describe("Part of the sender's address, case-insensitive"),
  since: queryTimestamp
    .optional()
    .describe("Also match messages that arrived at or after this time; default: only ones arriving from now on"),
  extract: z
    .enum(["code"], { error: 'Must be "code"' })
    .optional()
    .describe(
      '"code": answer only the first one-time code of the message and its id; 422 NO_CODE_FOUND when the message holds none',
    ),
});

/** `/wait?extract=code`: the code alone, and the message it came from for anything more. */
export const zWaitCode = z.object({
  code: z.string().describe("The likeliest one-time code of the message (the first of its `codes`)"),
  message_id: z.string().describe("The message it was found in (GET /messages/{id} shows the whole message)"),
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
  codes: zCodes,
  links: zLinks,
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

// ─── Examples (the OpenAPI document's) ───────────────────────────────────────────────────────

const exampleAuthResults = {
  spf: { result: "pass", domain: "shop.example.org" },
  dkim: [{ result: "pass", domain: "shop.example.org", selector: "s2026", aligned: true }],
  dmarc: { result: "pass", policy: "reject", domain: "shop.example.org" },
  arc: { result: "none" },
  header:
    "mx.mail.example.net; spf=pass smtp.mailfrom=shop.example.org; dkim=pass header.d=shop.example.org; dmarc=pass header.from=shop.example.org; arc=none",
} as const satisfies AuthResults;
const exampleInboxMessage = {
  id: EXAMPLE_IDS.message,
  from: "orders@shop.example.org",
  from_name: "Example Shop",
  subject: "Your order #10482 has shipped",
  date: "2026-11-20T09:21:44.000Z",
  received_at: EXAMPLE_TIMES.received,
  to: [{ address: "info+orders@example.com", name: null }],
  to_tag: "orders",
  sent_message_id: null,
  seen: false,
  flags: [],
  size: 18342,
  has_attachments: true,
  preview: "Good news: your order #10482 is on its way and should arrive on Monday.",
} as const satisfies InboxMessage;
const exampleAttachment = {
  id: EXAMPLE_IDS.attachment,
  filename: "invoice-10482.pdf",
  content_type: "application/pdf",
  size: 11204,
  content_id: null,
  url: `/api/v1/messages/${EXAMPLE_IDS.message}/attachments/${EXAMPLE_IDS.attachment}`,
};
const exampleHeaders = [
  { name: "From", value: '"Example Shop" <orders@shop.example.org>' },
  { name: "To", value: "info+orders@example.com" },
  { name: "Subject", value: "Your order #10482 has shipped" },
];
const exampleText =
  "Good news: your order #10482 is on its way and should arrive on Monday.\n\nTrack it at https://shop.example.org/track/10482";
const exampleLinks = [{ url: "https://shop.example.org/track/10482", text: "Track your parcel" }];
const exampleMessage = {
  ...exampleInboxMessage,
  account_id: EXAMPLE_IDS.mailbox,
  folder: "INBOX",
  cc: [],
  reply_to: [{ address: "support@shop.example.org", name: "Example Shop Support" }],
  message_id: "<20261120092144.10482@shop.example.org>",
  in_reply_to: null,
  text: exampleText,
  html: '<p>Good news: your order <b>#10482</b> is on its way and should arrive on Monday.</p><p><a href="https://shop.example.org/track/10482">Track your parcel</a></p>',
  headers: exampleHeaders,
  attachments: [exampleAttachment],
  auth_results: exampleAuthResults,
  envelope: { mail_from: "bounces@shop.example.org", rcpt_to: "info+orders@example.com" },
  codes: [],
  links: exampleLinks,
  urls: { raw: `/api/v1/messages/${EXAMPLE_IDS.message}/raw`, html: `/api/v1/messages/${EXAMPLE_IDS.message}/html` },
} as const satisfies Message;

example(zMailAddress, { address: "info@example.com", name: "Example Support" });
example(zAuthResults, exampleAuthResults);
example(zInboxMessage, exampleInboxMessage);
example(zAttachment, exampleAttachment);
example(zMessage, exampleMessage);
example(zInboxInput.shape.unread, "true");
example(zInboxOutput, { messages: [exampleInboxMessage], next_cursor: null });
example(zExtractedLink, exampleLinks[0]!);
example(zCodes, ["482913"]);
example(zWaitCode, { code: "482913", message_id: EXAMPLE_IDS.message });
example(zWaitInput.shape.extract, "code");
example(zUpdateMessageInput, { id: EXAMPLE_IDS.message, flags: { add: ["\\Flagged"], remove: [] }, folder: "Archive" });
example(zInboxInput.shape.folder, "Sent");
example(zWaitInput.shape.timeout, 60);
example(zWaitInput.shape.subject, "verification code");
example(zWaitInput.shape.from, "no-reply@accounts.example.org");

const exampleSummary = {
  id: EXAMPLE_IDS.message,
  from: exampleInboxMessage.from,
  fromName: exampleInboxMessage.from_name,
  subject: exampleInboxMessage.subject,
  date: exampleInboxMessage.date,
  receivedAt: exampleInboxMessage.received_at,
  to: exampleInboxMessage.to,
  toTag: exampleInboxMessage.to_tag,
  sentMessageId: exampleInboxMessage.sent_message_id,
  seen: false,
  size: exampleInboxMessage.size,
  hasAttachments: true,
  preview: exampleInboxMessage.preview,
};
example(zEmailMessageSummary, exampleSummary);
example(zEmailMessage, {
  ...exampleSummary,
  emailId: EXAMPLE_IDS.mailbox,
  cc: [],
  replyTo: exampleMessage.reply_to,
  messageId: exampleMessage.message_id,
  inReplyTo: null,
  text: exampleMessage.text,
  html: exampleMessage.html,
  headers: exampleHeaders,
  attachments: [
    { id: EXAMPLE_IDS.attachment, filename: "invoice-10482.pdf", contentType: "application/pdf", size: 11204, contentId: null },
  ],
  authResults: exampleAuthResults,
  codes: [],
  links: exampleLinks,
});
example(zEmailMessagesInput.shape.page, 1);
example(zEmailMessagesInput.shape.pageSize, 20);
example(zEmailMessagePage, { messages: [exampleSummary], total: 1, page: 1, pageSize: 20, totalPages: 1 });
