import type { Generated, Insertable, Selectable, Updateable } from "kysely";
import type { MailboxStatus } from "@mailroom/contracts";

export interface MailboxTable {
  id: string;
  tenant_id: string;
  /** The tenant's own domain; null on a system domain. */
  domain_id: string | null;
  /** Lower-case domain name, whichever kind. */
  domain: string;
  local_part: string;
  /** Lower-case `local_part@domain`; unique server-wide. */
  address: string;
  /** `scrypt$N$r$p$salt$hash`; never leaves core. */
  password_hash: string | null;
  status: Generated<MailboxStatus>;
  tag: string | null;
  liked: Generated<boolean>;
  pinned: Generated<boolean>;
  expires_at: Date | null;
  created_at: Generated<Date>;
}
export type MailboxRow = Selectable<MailboxTable>;
export type NewMailboxRow = Insertable<MailboxTable>;
export type MailboxUpdate = Updateable<MailboxTable>;
