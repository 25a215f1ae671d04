import type { Generated, Insertable, Selectable } from "kysely";

export interface MailboxTokenTable {
  id: string;
  tenant_id: string;
  mailbox_id: string;
  /** sha256 of the token, hex. */
  secret_hash: string;
  /** sha256 of the mailbox's password hash when the token was issued: a new password ends the token. */
  password_stamp: string;
  expires_at: Date;
  created_at: Generated<Date>;
}
export type MailboxTokenRow = Selectable<MailboxTokenTable>;
export type NewMailboxTokenRow = Insertable<MailboxTokenTable>;
