import type { AuthResults } from "@mailroom/contracts";
import type { Executor } from "../db/database.js";
import type { CoreDeps } from "../deps.js";
import type { StoredFlags } from "../folders/message-flags.js";
import { inboxFolderId } from "../folders/standard-folders.js";
import { newId } from "../ids.js";
import { eventInsert } from "../events/event-log.js";
import type { NewEventRow } from "../events/event.table.js";
import { messageReceivedRows } from "../events/message-events.js";
import type { ParsedMessage } from "./message-parser.js";
import { insertMessagesAndNotify } from "./message.repository.js";
import type { AttachmentMeta, NewMessageContentRow, NewMessageRow } from "./message.table.js";
import type { NewMailSignal } from "./new-mail-signal.js";

export interface AcceptedRecipient {
  /** The RCPT TO address, lower-case. */
  address: string;
  mailboxId: string;
  tenantId: string;
  /** The `+tag` of the address, kept on the copy; none when absent. */
  tag?: string | null;
  /** The mailbox's custom domain (null on a system domain), for the message.received event. */
  domainId?: string | null;
  /** The folder the copy goes into; the mailbox's INBOX when absent. */
  folderId?: string | undefined;
}

export interface IncomingMessage {
  /** The content's id (named in our Received header); each copy gets its own message id. */
  id: string;
  /** Exactly what is served back as message/rfc822: our headers, then the bytes as received. */
  raw: Buffer;
  envelopeFrom: string | null;
  recipients: AcceptedRecipient[];
  parsed: ParsedMessage;
  auth: AuthResults;
  /** The outbound message this is the hosted recipients' copy of; absent for mail from outside. */
  sentMessageId?: string | undefined;
  /**
   * False for a message that did not arrive (the sender's Sent copy, an IMAP APPEND): no
   * message.received event is written for it. Default true.
   */
  received?: boolean | undefined;
  /** The copies' flags; absent: new mail, nothing set. */
  flags?: StoredFlags | undefined;
  /** The copies' arrival time (IMAP's INTERNALDATE); absent: the storing transaction's time. */
  receivedAt?: Date | undefined;
}

export interface StoredMessage {
  contentId: string;
  /** One per recipient mailbox. */
  messageIds: string[];
}

export interface StoredCopies {
  contentId: string;
  copies: { id: string; mailbox_id: string }[];
  attachments: number;
}

/**
 * Several messages in ONE statement: each content once, a copy per recipient mailbox (several RCPTs
 * to one mailbox make one copy), its message.received event, and a NOTIFY per copy, as
 * data-modifying CTEs, so on the database itself or inside a caller's transaction (hosted delivery
 * commits it with the send) it is all or nothing. Call announceStored for each once it committed.
 */
export async function storeMessagesIn(executor: Executor, messages: IncomingMessage[]): Promise<StoredCopies[]> {
  const rows = messageRows(messages);
  await insertMessagesAndNotify(executor, rows.contents, rows.copies, eventInserts(executor, rows.events));
  return rows.stored;
}

/** The insert of `events` as a CTE of the storing statement (none when there are none). */
export function eventInserts(executor: Executor, events: NewEventRow[]) {
  return events.length > 0 ? [eventInsert(executor, events)] : [];
}

/** The rows that store `messages` (for insertMessagesAndNotify, events among its `alongside`), and what each stored. */
export function messageRows(messages: IncomingMessage[]): {
  contents: NewMessageContentRow[];
  copies: NewMessageRow[];
  events: NewEventRow[];
  stored: StoredCopies[];
} {
  const contents: NewMessageContentRow[] = [];
  const copies: NewMessageRow[] = [];
  const events: NewEventRow[] = [];
  const now = new Date();
  const stored = messages.map((message) => {
    const rows = rowsFor(message);
    contents.push(rows.content);
    copies.push(...rows.copies);
    if (message.received !== false) events.push(...receivedEvents(message, rows.copies, now));
    return {
      contentId: message.id,
      copies: rows.copies.map((c) => ({ id: c.id, mailbox_id: c.mailbox_id })),
      attachments: rows.attachments,
    };
  });
  return { contents, copies, events, stored };
}

function receivedEvents(message: IncomingMessage, copies: NewMessageRow[], now: Date): NewEventRow[] {
  const domainOf = new Map(message.recipients.map((r) => [r.mailboxId, r.domainId ?? null]));
  return messageReceivedRows(
    { parsed: message.parsed, size: message.raw.length, auth: message.auth },
    copies.map((c) => ({
      id: c.id,
      tenantId: c.tenant_id,
      mailboxId: c.mailbox_id,
      domainId: domainOf.get(c.mailbox_id) ?? null,
      address: c.rcpt_to,
    })),
    now,
  );
}

function rowsFor(message: IncomingMessage): { content: NewMessageContentRow; copies: NewMessageRow[]; attachments: number } {
  const contentId = message.id;
  const { parsed } = message;
  const attachments: AttachmentMeta[] = parsed.attachments.map((a, index) => ({ id: newId("attachment"), index, ...a }));

  if (message.recipients.length === 0) throw new Error("a message needs at least one recipient mailbox");
  const seen = new Set<string>();
  const copies: NewMessageRow[] = [];
  for (const r of message.recipients) {
    if (seen.has(r.mailboxId)) continue;
    seen.add(r.mailboxId);
    copies.push({
      // The first copy shares the content's id, so the id in the Received header and the 250 reply finds it.
      id: copies.length === 0 ? contentId : newId("message"),
      tenant_id: r.tenantId,
      mailbox_id: r.mailboxId,
      folder_id: r.folderId ?? inboxFolderId(r.mailboxId),
      content_id: contentId,
      rcpt_to: r.address,
      to_tag: r.tag ?? null,
      sent_message_id: message.sentMessageId ?? null,
      from_address: parsed.from?.address ?? "",
      from_name: parsed.from?.name ?? null,
      to_addresses: JSON.stringify(parsed.to),
      subject: parsed.subject,
      sent_at: parsed.date,
      preview: parsed.preview,
      size: message.raw.length,
      has_attachments: attachments.length > 0,
      ...(message.flags ? { ...message.flags, keywords: JSON.stringify(message.flags.keywords) } : {}),
      ...(message.receivedAt ? { received_at: message.receivedAt } : {}),
    });
  }
  const content: NewMessageContentRow = {
    id: contentId,
    raw: message.raw,
    size: message.raw.length,
    envelope_from: message.envelopeFrom,
    headers: JSON.stringify(parsed.headers),
    cc: JSON.stringify(parsed.cc),
    reply_to: JSON.stringify(parsed.replyTo),
    message_id: parsed.messageId,
    in_reply_to: parsed.inReplyTo,
    text_body: parsed.text,
    html_body: parsed.html,
    attachments: JSON.stringify(attachments),
    auth_results: JSON.stringify(message.auth),
  };
  return { content, copies, attachments: attachments.length };
}

/** After commit: wake this process's waiters and log the store. */
export function announceStored(
  deps: CoreDeps,
  signal: NewMailSignal | undefined,
  message: IncomingMessage,
  stored: StoredCopies,
): void {
  for (const copy of stored.copies) signal?.announce(copy.mailbox_id, copy.id);
  deps.logger.info(
    {
      contentId: stored.contentId,
      messageIds: stored.copies.map((c) => c.id),
      mailboxIds: stored.copies.map((c) => c.mailbox_id),
      bytes: message.raw.length,
      attachments: stored.attachments,
    },
    "message stored",
  );
}
