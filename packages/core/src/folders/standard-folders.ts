import { newId } from "../ids.js";
import type { NewFolderRow } from "./folder.table.js";

export const INBOX = "INBOX";

/** The folders every mailbox has from its creation, with their RFC 6154 special use. */
export const STANDARD_FOLDERS: readonly { name: string; specialUse: string | null }[] = [
  { name: INBOX, specialUse: null },
  { name: "Sent", specialUse: "\\Sent" },
  { name: "Drafts", specialUse: "\\Drafts" },
  { name: "Trash", specialUse: "\\Trash" },
  { name: "Junk", specialUse: "\\Junk" },
  { name: "Archive", specialUse: "\\Archive" },
];

/**
 * A mailbox's INBOX id is derived from the mailbox's own (`acc_X` → `fld_X`): storing received
 * mail, the hottest path, names its folder without a lookup.
 */
export function inboxFolderId(mailboxId: string): string {
  return `fld_${mailboxId.slice(mailboxId.indexOf("_") + 1)}`;
}

export function standardFolderRows(mailbox: { id: string; tenant_id: string }): NewFolderRow[] {
  return STANDARD_FOLDERS.map((f) => ({
    id: f.name === INBOX ? inboxFolderId(mailbox.id) : newId("folder"),
    tenant_id: mailbox.tenant_id,
    mailbox_id: mailbox.id,
    name: f.name,
    special_use: f.specialUse,
  }));
}
