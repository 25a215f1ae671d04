import type { Generated, Insertable, Selectable } from "kysely";

export interface FolderTable {
  id: string;
  tenant_id: string;
  mailbox_id: string;
  /** The full path, `/` between levels; exactly "INBOX" for the inbox. */
  name: string;
  /** RFC 6154: \Sent, \Drafts, \Trash, \Junk, \Archive; null for INBOX and the user's own. */
  special_use: string | null;
  /** bigint columns come back as strings from pg. */
  uid_validity: Generated<string>;
  uid_next: Generated<string>;
  highest_modseq: Generated<string>;
  subscribed: Generated<boolean>;
  created_at: Generated<Date>;
}
export type FolderRow = Selectable<FolderTable>;
export type NewFolderRow = Insertable<FolderTable>;
