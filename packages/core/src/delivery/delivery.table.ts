import type { DeliveryStatus, SentSource } from "@mailroom/contracts";
import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/** jsonb: read as the value, written as its JSON text (pg would turn a JS array into a PG array). */
type Json<T> = ColumnType<T, string, string>;

export type OutboundSource = SentSource;

export interface OutboundMessageTable {
  id: string;
  tenant_id: string;
  from_address: string;
  sender_mailbox_id: string | null;
  to_addresses: Json<string[]>;
  cc_addresses: Json<string[]>;
  subject: string;
  message_id_header: string;
  /** The signed message exactly as it goes out. Buffer on PostgreSQL, Uint8Array on PGlite. */
  raw: ColumnType<Uint8Array, Uint8Array, never>;
  size: number;
  tags: Json<string[]>;
  source: OutboundSource;
  created_at: Generated<Date>;
}
export type OutboundMessageRow = Selectable<OutboundMessageTable>;
export type NewOutboundMessageRow = Insertable<OutboundMessageTable>;

export interface DeliveryTable {
  id: string;
  message_id: string;
  tenant_id: string;
  /** Lower-case envelope recipient. */
  recipient: string;
  /** The hosted mailbox it went into, for a recipient on this server. */
  mailbox_id: string | null;
  /** The copy stored into that mailbox (messages.id); null for any other recipient. */
  copy_message_id: Generated<string | null>;
  status: DeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Date | null;
  locked_until: Date | null;
  lease_token: string | null;
  last_response: string | null;
  deliver_by: Date;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}
export type DeliveryRow = Selectable<DeliveryTable>;
export type NewDeliveryRow = Insertable<DeliveryTable>;

export interface IdempotencyKeyTable {
  tenant_id: string;
  key: string;
  request_hash: string;
  response: Json<unknown>;
  created_at: Generated<Date>;
}

export interface ServerKeyTable {
  name: string;
  selector: string;
  /** PKCS#8 PEM; never leaves the server. */
  private_key: string;
  /** Base64 DER SubjectPublicKeyInfo, the DKIM record's p= value. */
  public_key: string;
  created_at: Generated<Date>;
}
