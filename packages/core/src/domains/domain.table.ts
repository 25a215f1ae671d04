import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

export type DomainStatus = "pending_verification" | "active" | "failed";

export interface DomainTable {
  id: string;
  tenant_id: string;
  /** Lower-case ASCII; IDNs stored as punycode. */
  name: string;
  status: DomainStatus;
  verification_token: string;
  dkim_selector: string;
  /** PEM; never leaves the server. */
  dkim_private_key: string;
  /** Base64 DER (SubjectPublicKeyInfo), as published in the DKIM TXT record. */
  dkim_public_key: string;
  require_dkim: Generated<boolean>;
  created_at: Generated<Date>;
  /** Set when the domain first verified; its owner keeps the name while this is set. */
  verified_at: Date | null;
  checked_at: Date | null;
  next_check_at: Date | null;
  failure_reason: string | null;
  last_check: ColumnType<unknown, string | null, string | null> | null;
  /** The tenant's mailbox on this domain that takes mail for unknown local parts; null = 550 for those. */
  catch_all_mailbox_id: Generated<string | null>;
}
export type DomainRow = Selectable<DomainTable>;
export type NewDomainRow = Insertable<DomainTable>;
export type DomainUpdate = Updateable<DomainTable>;
