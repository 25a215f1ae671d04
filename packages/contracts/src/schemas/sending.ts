import { z } from "zod";
import { EXAMPLE_IDS, zId } from "../ids.js";
import { EXAMPLE_TIMES, example, zTimestamp } from "./common.js";
import { MAILBOX_ADDRESS, splitMailboxAddress } from "./mailboxes.js";

/*
 * Document 1's POST /api/v1/send. Everything that ends up in a header is checked here, field by
 * field, so a bad value is a 400 naming its path and never reaches the composer: no CR or LF
 * (header injection), addresses well-formed, custom headers only X-*.
 */

export const SEND_MAX_RECIPIENTS = 100;
export const SEND_MAX_ATTACHMENTS = 50;
export const SEND_MAX_TAGS = 10;

const NO_CRLF = /^[^\r\n]*$/;
const noCrlf = "Must not contain CR or LF";

/** Text that becomes a header value. */
const zHeaderText = (max: number) => z.string().max(max, `Must be at most ${max} characters`).regex(NO_CRLF, noCrlf);

/** `addr@example.com` or `Name <addr@example.com>` → { address, name }. */
export function parseSendAddress(value: string): { address: string; name: string | null } | undefined {
  if (!NO_CRLF.test(value)) return undefined;
  const angle = /^\s*(?:"([^"]*)"|([^<"]*?))\s*<([^<>\s]+)>\s*$/.exec(value);
  const name = angle ? (angle[1] ?? angle[2] ?? "").trim() : null;
  const address = (angle ? angle[3]! : value.trim()).toLowerCase();
  if (address.length > 254 || !splitMailboxAddress(address)) return undefined;
  return { address, name: name || null };
}

/**
 * parseSendAddress's rule as one pattern, for the OpenAPI document: spaces around, never CR or LF,
 * and the address itself (the run up to `>` or the trailing spaces) at most 254 characters.
 */
const SPACE = "[^\\S\\r\\n]*";
const ADDRESS = `(?=[^<>\\s]{1,254}(?:>|${SPACE}$))${MAILBOX_ADDRESS}`;
const SEND_ADDRESS = `^${SPACE}(?:(?:"[^"\\r\\n]*"|[^<"\\r\\n]*?)${SPACE}<${ADDRESS}>|${ADDRESS})${SPACE}$`;

const zSendAddress = z
  .string()
  .max(320, "Invalid email address")
  .refine((v) => NO_CRLF.test(v), noCrlf)
  .refine((v) => !NO_CRLF.test(v) || parseSendAddress(v) !== undefined, "Invalid email address")
  .meta({ pattern: SEND_ADDRESS, description: "addr@example.com or Name <addr@example.com>" });

/** One address or several, as document 1 allows both. */
const zAddressList = z.union([zSendAddress, z.array(zSendAddress).min(1, "Give at least one address").max(SEND_MAX_RECIPIENTS)]);

const CUSTOM_HEADER = /^[Xx]-[A-Za-z0-9-]{1,76}$/;

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}\s*$/;

export const zSendAttachment = z.object({
  filename: zHeaderText(255).min(1, "Filename is required"),
  content: z.string().regex(BASE64, "Must be base64"),
  content_type: z
    .string()
    .regex(/^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/, "Must be a MIME type such as application/pdf")
    .optional(),
});

const zSendTag = z
  .string()
  .trim()
  .min(1, "Tag must not be blank")
  .max(50, "Tag must be at most 50 characters")
  .regex(NO_CRLF, noCrlf)
  // Trimmed first, then no CR or LF inside and not blank: one pattern says both.
  .meta({ pattern: "^\\s*\\S(?:[^\\r\\n]*\\S)?\\s*$" });

export const zSendInput = z
  .object({
    from: zSendAddress,
    to: zAddressList,
    cc: zAddressList.optional(),
    bcc: zAddressList.optional(),
    reply_to: zAddressList.optional(),
    subject: zHeaderText(998),
    html: z.string().optional(),
    text: z.string().optional(),
    headers: z
      .record(z.string(), zHeaderText(998))
      .superRefine((headers, ctx) => {
        for (const name of Object.keys(headers)) {
          if (!CUSTOM_HEADER.test(name)) {
            ctx.addIssue({ code: "custom", path: [name], message: "Only custom X- headers may be set" });
          }
        }
      })
      .meta({ propertyNames: { pattern: CUSTOM_HEADER.source } })
      .optional()
      .describe("Custom X- headers"),
    attachments: z.array(zSendAttachment).max(SEND_MAX_ATTACHMENTS).optional(),
    tags: z.array(zSendTag).max(SEND_MAX_TAGS).optional(),
  })
  .refine((v) => v.html !== undefined || v.text !== undefined, { message: "Give html or text", path: ["html"] })
  .meta({ anyOf: [{ required: ["html"] }, { required: ["text"] }], description: "Give html, text or both" });
export type SendInput = z.infer<typeof zSendInput>;

export const SEND_STATUSES = ["sent", "queued"] as const;

export const zSendResult = z.object({
  message_id: z.string().describe("msg_…; GET /messages/{message_id} shows each recipient's delivery"),
  status: z.enum(SEND_STATUSES).describe("sent: every recipient was handed over already; queued: some are still to be delivered"),
});
export type SendResult = z.infer<typeof zSendResult>;

export const DELIVERY_STATUSES = ["queued", "sending", "sent", "deferred", "bounced", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const zDelivery = z.object({
  recipient: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  hosted: z.boolean().describe("Delivered into a mailbox on this server"),
  copy_message_id: z
    .string()
    .nullable()
    .describe("For a hosted recipient: the id of the copy in its mailbox (GET /messages/{id}); null otherwise"),
  attempts: z.number().int(),
  next_attempt_at: zTimestamp.nullable(),
  last_response: z.string().nullable().describe("The last SMTP reply, or why there was none"),
  updated_at: zTimestamp,
});

export const zSentMessage = z.object({
  id: z.string(),
  direction: z.literal("outbound"),
  from: z.string(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  message_id_header: z.string().describe("The Message-ID header"),
  size: z.number().int(),
  tags: z.array(z.string()),
  created_at: zTimestamp,
  deliveries: z.array(zDelivery),
});
export type SentMessage = z.infer<typeof zSentMessage>;

export const zSentMessageIdInput = z.object({ id: zId("message") });

// ─── Examples (the OpenAPI document's) ───────────────────────────────────────────────────────

example(zSendAttachment, {
  filename: "invoice-10482.pdf",
  content: "JVBERi0xLjcKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K",
  content_type: "application/pdf",
});
example(zSendInput, {
  from: "Example Support <support@example.com>",
  to: ["alice@example.org"],
  reply_to: "help@example.com",
  subject: "Your support ticket #4821 was answered",
  text: "Hi Alice,\n\nwe answered your ticket #4821. Reply to this message to continue.\n\nExample Support",
  html: "<p>Hi Alice,</p><p>we answered your ticket <b>#4821</b>. Reply to this message to continue.</p><p>Example Support</p>",
  headers: { "X-Ticket-Id": "4821" },
  tags: ["support", "ticket-reply"],
});
example(zSendResult, { message_id: EXAMPLE_IDS.message, status: "queued" });
const exampleDelivery = {
  recipient: "alice@example.org",
  status: "sent",
  hosted: false,
  copy_message_id: null,
  attempts: 1,
  next_attempt_at: null,
  last_response: "250 2.0.0 OK queued as 4Yx9Kp2QzR",
  updated_at: EXAMPLE_TIMES.later,
} as const;
example(zDelivery, exampleDelivery);
example(zSentMessage, {
  id: EXAMPLE_IDS.message,
  direction: "outbound",
  from: "support@example.com",
  to: ["alice@example.org"],
  cc: [],
  subject: "Your support ticket #4821 was answered",
  message_id_header: "<5b1f0c9e-7d2a-4c61-9a8e-2f4d6b3c1e07@example.com>",
  size: 4127,
  tags: ["support", "ticket-reply"],
  created_at: EXAMPLE_TIMES.received,
  deliveries: [exampleDelivery],
});
