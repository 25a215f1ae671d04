import type { AuthResults } from "@mailroom/contracts";
import type { Transaction } from "kysely";
import type { Database } from "../db/database.js";
import type { CoreDeps } from "../deps.js";
import { newId } from "../ids.js";
import type { ParsedMessage } from "./message-parser.js";
import { insertMessageContent, insertMessages, notifyNewMail } from "./message.repository.js";
import type { AttachmentMeta, NewMessageRow } from "./message.table.js";
import type { NewMailSignal } from "./new-mail-signal.js";

export interface AcceptedRecipient {
  /** The RCPT TO address, lower-case. */
  address: string;
  mailboxId: string;
  tenantId: string;
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
}

export interface StoredMessage {
  contentId: string;
  /** One per recipient mailbox. */
  messageIds: string[];
}

/**
 * Store one message for every recipient mailbox in one transaction: the content once, a copy
 * per mailbox (several RCPTs to one mailbox make one copy). Throws on any database failure, and
 * then nothing is stored: the caller answers 4xx and the sender retries.
 */
export async function storeIncomingMessage(
  deps: CoreDeps,
  signal: NewMailSignal | undefined,
  message: IncomingMessage,
): Promise<StoredMessage> {
  const stored = await deps.db.transaction().execute((trx) => storeIncomingMessageIn(trx, message));
  announceStored(deps, signal, message, stored);
  return { contentId: stored.contentId, messageIds: stored.copies.map((c) => c.id) };
}

export interface StoredCopies {
  contentId: string;
  copies: { id: string; mailbox_id: string }[];
  attachments: number;
}

/**
 * The same store inside a caller's transaction (hosted delivery of sent mail commits it with the
 * send). Call announceStored once that transaction has committed.
 */
export async function storeIncomingMessageIn(trx: Transaction<Database>, message: IncomingMessage): Promise<StoredCopies> {
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
      content_id: contentId,
      rcpt_to: r.address,
      from_address: parsed.from?.address ?? "",
      from_name: parsed.from?.name ?? null,
      to_addresses: JSON.stringify(parsed.to),
      subject: parsed.subject,
      sent_at: parsed.date,
      preview: parsed.preview,
      size: message.raw.length,
      has_attachments: attachments.length > 0,
    });
  }

  await insertMessageContent(trx, {
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
  });
  await insertMessages(trx, copies);
  for (const copy of copies) await notifyNewMail(trx, copy.mailbox_id, copy.id);
  return { contentId, copies: copies.map((c) => ({ id: c.id, mailbox_id: c.mailbox_id })), attachments: attachments.length };
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
