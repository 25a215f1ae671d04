import type { Generated, Insertable, Selectable } from "kysely";

export interface EventTable {
  id: string;
  /** Insertion order within a transaction (and across, but see txid). */
  seq: Generated<string>;
  /** The writing transaction's id; readers order by (txid, seq). */
  txid: Generated<string>;
  tenant_id: string;
  type: string;
  mailbox_id: string | null;
  domain_id: string | null;
  /** JSON text on insert; the parsed object on select. */
  data: unknown;
  created_at: Date;
}
export type EventRow = Selectable<EventTable>;
export type NewEventRow = Insertable<EventTable>;
