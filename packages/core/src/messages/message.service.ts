import { MailroomError, type AuthResults } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { findTenantMailbox } from "../mailboxes/mailbox.repository.js";
import { parseAttachments } from "./message-parser.js";
import { deleteMessagesByIds, type MessagePatch, patchMessage } from "../folders/folder-messages.js";
import { requireFolderByName } from "../folders/folder.service.js";
import { flagsOf } from "../folders/message-flags.js";
import {
  deleteUnreferencedContents,
  findFirstMatchingSince,
  findMatchingMessage,
  findMessageContent,
  findRawContent,
  findTenantMessage,
  listMailboxMessages,
  pageMailboxMessages,
  type InboxQuery,
  type WaitFilters,
} from "./message.repository.js";
import type { HeaderLine, MailAddress, MessageRow } from "./message.table.js";
import type { NewMailSignal } from "./new-mail-signal.js";
import { type ExtractedLink, extractAll } from "./extraction.js";

/** A message as listed; each REST dialect maps it to its own shape. */
export interface MessageSummary {
  id: string;
  mailboxId: string;
  from: string;
  fromName: string | null;
  subject: string;
  /** The Date header, or the arrival time when there is none. */
  date: Date;
  receivedAt: Date;
  to: MailAddress[];
  /** The `+tag` of the address it was accepted for; null without one. */
  toTag: string | null;
  /** The outbound message this is a copy of, when it was sent from this server. */
  sentMessageId: string | null;
  seen: boolean;
  /** IMAP flags: system flags, then keywords. */
  flags: string[];
  folderId: string;
  size: number;
  hasAttachments: boolean;
  preview: string;
}

export interface MessageAttachment {
  id: string;
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
}

export interface MessageDetail extends MessageSummary {
  /** The name of its folder. */
  folder: string;
  cc: MailAddress[];
  replyTo: MailAddress[];
  messageId: string | null;
  inReplyTo: string | null;
  text: string | null;
  html: string | null;
  headers: HeaderLine[];
  attachments: MessageAttachment[];
  authResults: AuthResults;
  envelope: { mailFrom: string | null; rcptTo: string };
  /** One-time codes, the likeliest first; computed when read, from subject, text and HTML. */
  codes: string[];
  links: ExtractedLink[];
}

export function toMessageSummary(row: MessageRow): MessageSummary {
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    from: row.from_address,
    fromName: row.from_name,
    subject: row.subject,
    date: row.sent_at ?? row.received_at,
    receivedAt: row.received_at,
    to: row.to_addresses,
    toTag: row.to_tag,
    sentMessageId: row.sent_message_id,
    seen: row.seen,
    flags: flagsOf(row),
    folderId: row.folder_id,
    size: row.size,
    hasAttachments: row.has_attachments,
    preview: row.preview,
  };
}

const messageNotFound = (id: string) => new MailroomError("MESSAGE_NOT_FOUND", `Message ${id} not found`);
const mailboxNotFound = (id: string) => new MailroomError("MAILBOX_NOT_FOUND", `Mailbox ${id} not found`);

/** The tenant's own mailbox, or 404: another tenant's inbox is "not found" too. */
async function requireMailbox(deps: CoreDeps, tenantId: string, mailboxId: string) {
  const mailbox = await findTenantMailbox(deps.db, tenantId, mailboxId);
  if (!mailbox) throw mailboxNotFound(mailboxId);
  return mailbox;
}

async function requireMessage(deps: CoreDeps, tenantId: string, id: string): Promise<MessageRow> {
  const row = await findTenantMessage(deps.db, tenantId, id);
  if (!row) throw messageNotFound(id);
  return row;
}

/** The hosting-style API's inbox (or another folder, by name): newest first, keyset pages. */
export async function listInbox(
  deps: CoreDeps,
  tenantId: string,
  mailboxId: string,
  query: Omit<InboxQuery, "folderId"> & { folder?: string | undefined },
): Promise<{ messages: MessageSummary[]; nextCursor: string | null }> {
  // INBOX's id is derived from the mailbox's; another folder is looked up (404 when there is none).
  const folderId =
    query.folder === undefined ? undefined : (await requireFolderByName(deps, tenantId, mailboxId, query.folder)).id;
  // Rows of the tenant's own found: the mailbox is theirs. Only an empty page needs the mailbox checked.
  const rows = await listMailboxMessages(deps.db, tenantId, mailboxId, { ...query, folderId, limit: query.limit + 1 });
  if (rows.length === 0) await requireMailbox(deps, tenantId, mailboxId);
  const more = rows.length > query.limit;
  const messages = rows.slice(0, query.limit).map(toMessageSummary);
  return { messages, nextCursor: more ? messages[messages.length - 1]!.id : null };
}

/** The temp-mail-style API's list: numbered pages. */
export async function pageInbox(
  deps: CoreDeps,
  tenantId: string,
  mailboxId: string,
  page: { page: number; pageSize: number },
): Promise<{ messages: MessageSummary[]; total: number }> {
  await requireMailbox(deps, tenantId, mailboxId);
  const { rows, total } = await pageMailboxMessages(deps.db, mailboxId, (page.page - 1) * page.pageSize, page.pageSize);
  return { messages: rows.map(toMessageSummary), total };
}

async function toDetail(deps: CoreDeps, row: MessageRow): Promise<MessageDetail> {
  const [content, folder] = await Promise.all([
    findMessageContent(deps.db, row.content_id),
    deps.db.selectFrom("folders").select("name").where("id", "=", row.folder_id).executeTakeFirst(),
  ]);
  if (!content || !folder) throw messageNotFound(row.id); // deleted between the reads
  return {
    ...toMessageSummary(row),
    folder: folder.name,
    cc: content.cc,
    replyTo: content.reply_to,
    messageId: content.message_id,
    inReplyTo: content.in_reply_to,
    text: content.text_body,
    html: content.html_body,
    headers: content.headers,
    attachments: content.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      contentId: a.contentId,
    })),
    authResults: content.auth_results,
    envelope: { mailFrom: content.envelope_from, rcptTo: row.rcpt_to },
    ...extractAll({ subject: row.subject, text: content.text_body, html: content.html_body }),
  };
}

export async function getMessage(deps: CoreDeps, tenantId: string, id: string): Promise<MessageDetail> {
  return toDetail(deps, await requireMessage(deps, tenantId, id));
}

/** The temp-mail-style API names the mailbox in the path too: a message of another mailbox is not found. */
export async function getMailboxMessage(deps: CoreDeps, tenantId: string, mailboxId: string, id: string): Promise<MessageDetail> {
  await requireMailbox(deps, tenantId, mailboxId);
  const row = await requireMessage(deps, tenantId, id);
  if (row.mailbox_id !== mailboxId) throw messageNotFound(id);
  return toDetail(deps, row);
}

/** The stored bytes, exactly. */
export async function getRawMessage(deps: CoreDeps, tenantId: string, id: string): Promise<Buffer> {
  const row = await requireMessage(deps, tenantId, id);
  const raw = await findRawContent(deps.db, row.content_id);
  if (!raw) throw messageNotFound(id);
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** One attachment's bytes, cut out of the stored message again (only the raw is kept). */
export async function getAttachment(
  deps: CoreDeps,
  tenantId: string,
  id: string,
  attachmentId: string,
): Promise<{ filename: string | null; contentType: string; content: Buffer }> {
  const row = await requireMessage(deps, tenantId, id);
  const content = await findMessageContent(deps.db, row.content_id);
  const meta = content?.attachments.find((a) => a.id === attachmentId);
  const notFound = new MailroomError("ATTACHMENT_NOT_FOUND", `Attachment ${attachmentId} not found`);
  if (!meta) throw notFound;
  const raw = await findRawContent(deps.db, row.content_id);
  if (!raw) throw notFound;
  const part = (await parseAttachments(raw))[meta.index];
  if (!part || part.checksum !== meta.checksum) {
    // The parser found something else at that position: never serve the wrong file.
    deps.logger.error({ messageId: id, attachmentId }, "attachment no longer matches the stored message");
    throw new MailroomError("INTERNAL_ERROR");
  }
  return { filename: meta.filename, contentType: meta.contentType, content: part.content };
}

/** Marks a message seen or unseen: a \Seen flag change like any other (modseq raised, IMAP told). */
export async function setSeen(deps: CoreDeps, tenantId: string, id: string, seen: boolean): Promise<MessageSummary> {
  await patchMessage(deps, tenantId, id, { flags: [{ mode: seen ? "add" : "remove", flags: ["\\Seen"] }] });
  return toMessageSummary(await requireMessage(deps, tenantId, id));
}

export interface MessageUpdate {
  /** Shorthand for adding or removing \Seen. */
  seen?: boolean | undefined;
  flags?: { add?: string[] | undefined; remove?: string[] | undefined } | undefined;
  /** Move to this folder of the message's mailbox, by name. */
  folder?: string | undefined;
}

/** PATCH /messages/{id}: flags added, then removed, then the move; one transaction. The message after. */
export async function updateMessage(deps: CoreDeps, tenantId: string, id: string, update: MessageUpdate): Promise<MessageDetail> {
  const add = [...(update.flags?.add ?? []), ...(update.seen === true ? ["\\Seen"] : [])];
  const remove = [...(update.flags?.remove ?? []), ...(update.seen === false ? ["\\Seen"] : [])];
  const clash = add.find((f) => remove.some((r) => r.toLowerCase() === f.toLowerCase()));
  if (clash !== undefined) throw new MailroomError("FLAG_INVALID", `${clash} is both added and removed`);
  const patch: MessagePatch = {
    flags: [
      ...(add.length > 0 ? [{ mode: "add" as const, flags: add }] : []),
      ...(remove.length > 0 ? [{ mode: "remove" as const, flags: remove }] : []),
    ],
    folder: update.folder,
  };
  await patchMessage(deps, tenantId, id, patch);
  return getMessage(deps, tenantId, id);
}

export async function deleteMessage(deps: CoreDeps, tenantId: string, id: string): Promise<void> {
  const deleted = await deleteMessagesByIds(deps, tenantId, [id]);
  if (deleted.length === 0) throw messageNotFound(id);
  deps.logger.info({ tenantId, messageId: id }, "message deleted");
}

const PURGE_BATCH = 200;

/** Contents left behind when mailboxes were deleted with their mail. */
export async function purgeUnreferencedContents(deps: CoreDeps): Promise<number> {
  let purged = 0;
  for (;;) {
    const n = await deleteUnreferencedContents(deps.db, PURGE_BATCH);
    purged += n;
    if (n < PURGE_BATCH) break;
  }
  if (purged > 0) deps.logger.info({ purged }, "unreferenced message contents purged");
  return purged;
}

export interface WaitOptions extends WaitFilters {
  timeoutSeconds: number;
  /** Also match messages received at or after this time; otherwise only ones arriving from now on. */
  since?: Date | undefined;
}

/**
 * Hold until a matching message arrives in the mailbox, driven by the new-mail signal (LISTEN/NOTIFY
 * and this process's own deliveries), never by polling. Subscribes before it looks, so a message
 * committed in between cannot be missed.
 */
export async function waitForMessage(
  deps: CoreDeps,
  signal: NewMailSignal,
  tenantId: string,
  mailboxId: string,
  options: WaitOptions,
): Promise<MessageDetail> {
  await requireMailbox(deps, tenantId, mailboxId);
  const filters: WaitFilters = { subject: options.subject, from: options.from };

  let settle!: { resolve: (row: MessageRow) => void; reject: (err: unknown) => void };
  const found = new Promise<MessageRow>((resolve, reject) => (settle = { resolve, reject }));
  // One look-up at a time per waiter; ids heard meanwhile queue behind it.
  let chain = Promise.resolve();
  const checked = new Set<string>();
  const check = (lookup: () => Promise<MessageRow | undefined>) => {
    chain = chain
      .then(lookup)
      .then((row) => row && settle.resolve(row))
      .catch((err: unknown) => settle.reject(err));
  };

  const unsubscribe = await signal.subscribe(mailboxId, (messageId) => {
    if (checked.has(messageId)) return;
    checked.add(messageId);
    check(() => findMatchingMessage(deps.db, mailboxId, messageId, filters));
  });
  const stopOnClose = signal.onClose(() =>
    settle.reject(new MailroomError("UNAVAILABLE", "The server is shutting down; try again")),
  );
  const timer = setTimeout(
    () =>
      settle.reject(
        new MailroomError(
          "WAIT_TIMEOUT",
          `No matching message arrived within ${options.timeoutSeconds} second${options.timeoutSeconds === 1 ? "" : "s"}`,
        ),
      ),
    options.timeoutSeconds * 1000,
  );
  try {
    const since = options.since;
    if (since) check(() => findFirstMatchingSince(deps.db, mailboxId, since, filters));
    return await toDetail(deps, await found);
  } finally {
    clearTimeout(timer);
    stopOnClose();
    unsubscribe();
  }
}

/**
 * `/wait?extract=code`: the first one-time code of the matching message. The message has arrived,
 * so a message without a code is an answer (NO_CODE_FOUND, naming it), not a reason to wait on.
 */
export async function waitForCode(
  deps: CoreDeps,
  signal: NewMailSignal,
  tenantId: string,
  mailboxId: string,
  options: WaitOptions,
): Promise<{ code: string; messageId: string }> {
  const message = await waitForMessage(deps, signal, tenantId, mailboxId, options);
  const code = message.codes[0];
  if (code === undefined) {
    throw new MailroomError("NO_CODE_FOUND", `Message ${message.id} arrived but holds no one-time code`);
  }
  return { code, messageId: message.id };
}
