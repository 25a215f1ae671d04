import type { Transaction } from "kysely";
import type { Database } from "../db/database.js";
import type { CoreDeps } from "../deps.js";
import { prepareBounceNotice } from "../delivery/bounce-notice.js";
import { insertDeliveries, insertOutboundMessage } from "../delivery/delivery.repository.js";
import type { NewDeliveryRow, OutboundSource } from "../delivery/delivery.table.js";
import type { HostedStore, PreparedHostedMail } from "../delivery/hosted-store.js";
import { newId } from "../ids.js";
import { routeRecipient, type Route } from "./recipient-routing.js";

/** A message ready to go: composed, signed, checked. */
export interface OutboundDraft {
  tenantId: string;
  fromAddress: string;
  senderMailboxId: string | null;
  /** Every envelope recipient (to, cc, bcc), lower-case, each once. */
  recipients: string[];
  to: string[];
  cc: string[];
  subject: string;
  messageIdHeader: string;
  raw: Buffer;
  tags: string[];
  source: OutboundSource;
}

export interface Enqueued {
  messageId: string;
  /** sent: every recipient handed over already; queued: some wait for the worker. */
  status: "sent" | "queued";
  remote: number;
}

/**
 * Record a message and its recipients in one transaction. Hosted recipients are stored into their
 * inboxes in that same transaction (status `sent`), unknown local ones bounce at once, remote ones
 * are queued for the worker. `withinTransaction` runs last inside it (the idempotency record).
 */
export async function enqueueOutbound(
  deps: CoreDeps,
  hosted: HostedStore,
  draft: OutboundDraft,
  withinTransaction?: (trx: Transaction<Database>, result: Enqueued) => Promise<void>,
): Promise<Enqueued> {
  const routes: Route[] = [];
  for (const address of draft.recipients) routes.push(await routeRecipient(deps, address));

  // Parsing and any look-ups happen before the transaction; only writes happen inside it.
  const hostedRecipients = routes.flatMap((r) => (r.kind === "hosted" ? [r.recipient] : []));
  const hostedCopy: PreparedHostedMail | undefined =
    hostedRecipients.length > 0
      ? await hosted.prepare({ raw: draft.raw, envelopeFrom: draft.fromAddress, recipients: hostedRecipients })
      : undefined;
  const notices: PreparedHostedMail[] = [];
  if (draft.senderMailboxId) {
    for (const r of routes) {
      if (r.kind !== "unknown") continue;
      notices.push(
        await prepareBounceNotice(deps, hosted, {
          sender: draft.fromAddress,
          senderMailboxId: draft.senderMailboxId,
          tenantId: draft.tenantId,
          recipient: r.address,
          status: "bounced",
          response: r.response,
          attempts: 1,
          original: draft.raw,
        }),
      );
    }
  }

  const messageId = newId("message");
  const deliverBy = new Date(Date.now() + deps.config.sending.maxDeliveryHours * 3600_000);
  const rows: NewDeliveryRow[] = routes.map((r) => {
    const base = { id: newId("delivery"), message_id: messageId, tenant_id: draft.tenantId, deliver_by: deliverBy };
    switch (r.kind) {
      case "hosted":
        return { ...base, recipient: r.recipient.address, mailbox_id: r.recipient.mailboxId, status: "sent", attempts: 1, next_attempt_at: null, last_response: "250 2.0.0 Stored in the mailbox" };
      case "unknown":
        return { ...base, recipient: r.address, mailbox_id: null, status: "bounced", attempts: 1, next_attempt_at: null, last_response: r.response };
      case "remote":
        return { ...base, recipient: r.address, mailbox_id: null, status: "queued", next_attempt_at: new Date(), last_response: null };
    }
  });
  const remote = routes.filter((r) => r.kind === "remote").length;
  const result: Enqueued = { messageId, status: rows.every((r) => r.status === "sent") ? "sent" : "queued", remote };

  const afterCommit = await deps.db.transaction().execute(async (trx) => {
    await insertOutboundMessage(trx, {
      id: messageId,
      tenant_id: draft.tenantId,
      from_address: draft.fromAddress,
      sender_mailbox_id: draft.senderMailboxId,
      to_addresses: JSON.stringify(draft.to),
      cc_addresses: JSON.stringify(draft.cc),
      subject: draft.subject,
      message_id_header: draft.messageIdHeader,
      raw: draft.raw,
      size: draft.raw.length,
      tags: JSON.stringify(draft.tags),
      source: draft.source,
    });
    await insertDeliveries(trx, rows);
    const after: (() => void)[] = [];
    if (hostedCopy) after.push((await hostedCopy.store(trx)).afterCommit);
    for (const notice of notices) after.push((await notice.store(trx)).afterCommit);
    await withinTransaction?.(trx, result);
    return after;
  });
  for (const run of afterCommit) run();

  deps.logger.info(
    {
      tenantId: draft.tenantId,
      messageId,
      source: draft.source,
      bytes: draft.raw.length,
      hosted: hostedRecipients.length,
      remote,
      unknown: routes.length - hostedRecipients.length - remote,
      status: result.status,
    },
    "message accepted for delivery",
  );
  return result;
}
