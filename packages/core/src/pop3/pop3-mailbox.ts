import { inboxFolderId } from "../folders/standard-folders.js";
import { MailroomError } from "@mailroom/contracts";
import { sql } from "kysely";
import type { CoreDeps } from "../deps.js";
import { loginMailbox } from "../mailboxes/mailbox-login.js";
import { deleteMessage } from "../messages/message.service.js";
import type { Pop3Message, Pop3Store } from "./pop3-session.js";

/** Bytes read from the database per query while a message is sent: a session holds about this much. */
export const SLICE_BYTES = 256 * 1024;

/**
 * The messages POP3 serves for a mailbox, oldest first (UIDs ascend as mail arrives): the maildrop a
 * session snapshots at login. Every POP3 read of "which messages" goes through here.
 */
export async function listPop3Messages(deps: CoreDeps, mailboxId: string): Promise<Pop3Message[]> {
  const rows = await deps.db
    .selectFrom("messages")
    .select(["id", "tenant_id", "size"])
    .where("mailbox_id", "=", mailboxId)
    // POP3 knows one mailbox: the INBOX (a Sent copy or a client's folders are IMAP's).
    .where("folder_id", "=", inboxFolderId(mailboxId))
    .orderBy("uid", "asc")
    .execute();
  return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, size: r.size }));
}

/**
 * The stored bytes of a message copy, slice by slice (`substring` in the database), so a 25 MiB
 * message never sits whole in memory; stops yielding when the copy is gone (deleted meanwhile).
 */
export async function* readPop3Message(deps: CoreDeps, message: Pop3Message, sliceBytes = SLICE_BYTES): AsyncGenerator<Buffer> {
  for (let offset = 0; ; offset += sliceBytes) {
    const row = await deps.db
      .selectFrom("messages as m")
      .innerJoin("message_contents as c", "c.id", "m.content_id")
      .select(sql<Uint8Array>`substring(c.raw from ${offset + 1} for ${sliceBytes})`.as("slice"))
      .where("m.id", "=", message.id)
      .executeTakeFirst();
    if (!row) throw new MailroomError("MESSAGE_NOT_FOUND", `Message ${message.id} not found`);
    if (row.slice.byteLength > 0) yield Buffer.from(row.slice.buffer, row.slice.byteOffset, row.slice.byteLength);
    if (row.slice.byteLength < sliceBytes) return;
  }
}

/**
 * The UPDATE state's deletions, each through the one message deletion rule. A copy already gone
 * (another session, the API) counts as deleted. Returns how many could not be removed.
 */
export async function deletePop3Messages(deps: CoreDeps, messages: readonly Pop3Message[]): Promise<number> {
  let failed = 0;
  for (const message of messages) {
    try {
      await deleteMessage(deps, message.tenantId, message.id);
    } catch (err) {
      if (err instanceof MailroomError && err.code === "MESSAGE_NOT_FOUND") continue;
      deps.logger.error({ err, messageId: message.id }, "pop3 deletion failed");
      failed += 1;
    }
  }
  return failed;
}

/** The storage a POP3 session works on, bound to the core's dependencies. */
export function pop3Store(deps: CoreDeps): Pop3Store {
  return {
    login: (ip, username, password) => loginMailbox(deps, ip, username, password),
    openMaildrop: (mailbox) => listPop3Messages(deps, mailbox.id),
    read: (message) => readPop3Message(deps, message),
    delete: (messages) => deletePop3Messages(deps, messages),
  };
}
