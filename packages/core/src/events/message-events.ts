import type { AuthResults } from "@mailroom/contracts";
import { extractAll } from "../messages/extraction.js";
import type { ParsedMessage } from "../messages/message-parser.js";
import type { NewEventRow } from "./event.table.js";
import { eventRow } from "./event-log.js";

/** message.received carries at most this many bytes (UTF-8) of the text body; `truncated` says when it was cut. */
export const EVENT_TEXT_LIMIT = 64 * 1024;

/** One stored copy: what differs between the events of one message's copies. */
export interface ReceivedCopy {
  id: string;
  tenantId: string;
  mailboxId: string;
  /** The mailbox's custom domain; null on a system domain. */
  domainId: string | null;
  /** The RCPT TO address the copy was accepted for. */
  address: string;
}

export interface ReceivedContent {
  parsed: ParsedMessage;
  size: number;
  auth: AuthResults;
}

/**
 * The message.received rows of one message's copies. The content's part of the data (text,
 * extraction) is built and serialised once, then each copy's own fields are put in front of it:
 * the MX stores many copies per statement, and this runs on its path.
 */
export function messageReceivedRows(content: ReceivedContent, copies: readonly ReceivedCopy[], now = new Date()): NewEventRow[] {
  if (copies.length === 0) return [];
  const shared = JSON.stringify(sharedData(content));
  return copies.map((copy) => {
    const own = {
      message_id: copy.id,
      mailbox_id: copy.mailboxId,
      address: copy.address,
      urls: { message: `/api/v1/messages/${copy.id}`, raw: `/api/v1/messages/${copy.id}/raw` },
    };
    // Both are JSON objects: `{own…}` + `,` + `shared…}`.
    const json = `${JSON.stringify(own).slice(0, -1)},${shared.slice(1)}`;
    return eventRow(
      { tenantId: copy.tenantId, type: "message.received", mailboxId: copy.mailboxId, domainId: copy.domainId },
      json,
      now,
    );
  });
}

function sharedData({ parsed, size, auth }: ReceivedContent): Record<string, unknown> {
  const text = limitText(parsed.text);
  return {
    from: parsed.from ? { address: parsed.from.address, name: parsed.from.name } : null,
    to: parsed.to,
    cc: parsed.cc,
    subject: parsed.subject,
    date: parsed.date?.toISOString() ?? null,
    size,
    preview: parsed.preview,
    text: text.value,
    truncated: text.truncated,
    attachments: parsed.attachments.map((a) => ({ filename: a.filename, content_type: a.contentType, size: a.size })),
    auth: { spf: auth.spf, dkim: auth.dkim, dmarc: auth.dmarc, arc: auth.arc },
    // The same reading GET /messages/{id} gives, from one pass over the HTML.
    ...extractAll({ subject: parsed.subject, text: parsed.text, html: parsed.html }),
  };
}

/** The text cut at EVENT_TEXT_LIMIT bytes, never inside a character. */
export function limitText(text: string | null): { value: string | null; truncated: boolean } {
  // Each UTF-16 unit is at most 3 UTF-8 bytes: short texts need no measuring.
  if (text === null || text.length * 3 <= EVENT_TEXT_LIMIT) return { value: text, truncated: false };
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= EVENT_TEXT_LIMIT) return { value: text, truncated: false };
  // A cut inside a multi-byte sequence decodes to U+FFFD at the end: drop it.
  return {
    value: bytes
      .subarray(0, EVENT_TEXT_LIMIT)
      .toString("utf8")
      .replace(/\uFFFD+$/, ""),
    truncated: true,
  };
}
