import type { DeliveryStatus, SentStatus } from "@mailroom/contracts";
import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { OutboundMessageRow } from "./delivery.table.js";

/** Delivery statuses that may still become sent. */
const PENDING: readonly DeliveryStatus[] = ["queued", "sending", "deferred"];
/** Delivery statuses that are final failures. */
const FAILED: readonly DeliveryStatus[] = ["bounced", "failed"];

/**
 * A sent message's overall status from its recipients' counts (the `r` aggregate below). The one
 * place this rule lives: the list shows it and filters on it, in the same statement.
 */
const overallStatus = sql<SentStatus>`case
  when r.failed = 0 and r.pending = 0 then 'sent'
  when r.failed = 0 then 'queued'
  when r.failed = r.recipients then 'failed'
  else 'partially_failed'
end`;

export interface SentListQuery {
  limit: number;
  cursor?: string | undefined;
  status?: SentStatus | undefined;
  /** Lower-case sender address. */
  from?: string | undefined;
  /** Only what this mailbox sent (a mailbox token's own list). */
  senderMailboxId?: string | undefined;
}

export type SentListRow = Omit<OutboundMessageRow, "raw" | "tenant_id" | "sender_mailbox_id" | "message_id_header" | "size"> & {
  status: SentStatus;
  recipients: number;
};

/**
 * The tenant's sent messages, newest first, from `cursor` on. One statement: outbound_messages_tenant_idx
 * (tenant_id, id) read backwards, and per message one aggregate over deliveries_message_idx; the
 * scan stops as soon as `limit` rows passed the filters.
 */
export async function listTenantSentMessages(db: Executor, tenantId: string, query: SentListQuery): Promise<SentListRow[]> {
  let q = db
    .selectFrom("outbound_messages as o")
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom("deliveries as d")
          .whereRef("d.message_id", "=", "o.id")
          .select([
            sql<number>`count(*)::int`.as("recipients"),
            sql<number>`(count(*) filter (where d.status in (${sql.join(FAILED)})))::int`.as("failed"),
            sql<number>`(count(*) filter (where d.status in (${sql.join(PENDING)})))::int`.as("pending"),
          ])
          .as("r"),
      (join) => join.onTrue(),
    )
    .select([
      "o.id",
      "o.from_address",
      "o.to_addresses",
      "o.cc_addresses",
      "o.subject",
      "o.tags",
      "o.source",
      "o.created_at",
      "r.recipients",
      overallStatus.as("status"),
    ])
    .where("o.tenant_id", "=", tenantId);
  if (query.cursor !== undefined) q = q.where("o.id", "<", query.cursor);
  if (query.from !== undefined) q = q.where("o.from_address", "=", query.from);
  if (query.senderMailboxId !== undefined) q = q.where("o.sender_mailbox_id", "=", query.senderMailboxId);
  if (query.status !== undefined) q = q.where(overallStatus, "=", query.status);
  const rows = await q.orderBy("o.id", "desc").limit(query.limit).execute();
  // count(*)::int is a number on both drivers; Number() keeps that true if a driver hands back text.
  return rows.map((row) => ({ ...row, recipients: Number(row.recipients) }));
}
