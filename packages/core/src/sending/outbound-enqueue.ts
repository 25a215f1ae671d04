import type { Transaction } from "kysely";
import type { Database } from "../db/database.js";
import type { CoreDeps } from "../deps.js";
import { prepareBounceNotice } from "../delivery/bounce-notice.js";
import type { NewDeliveryRow, NewOutboundMessageRow, OutboundSource } from "../delivery/delivery.table.js";
import type { HostedRecipient, HostedStore, PreparedHostedMail } from "../delivery/hosted-store.js";
import { newId } from "../ids.js";
import { deliveryEvent, messageSentEvent, type SenderRef } from "../events/delivery-events.js";
import { eventRows } from "../events/event-log.js";
import { NOT_CHECKED } from "../folders/folder-messages.js";
import { ensureSentFolder } from "../folders/folder.service.js";
import { parseFlags, storedFlags } from "../folders/message-flags.js";
import { parseMessage, type ParsedMessage } from "../messages/message-parser.js";
import { type IncomingMessage, messageRows } from "../messages/message-store.js";
import { decideRecipients, type RecipientDecision } from "../recipients/recipient-rule.js";
import { type OutboundWrite, type OutboundWrites, writeOutbound } from "./outbound-writes.js";

type Route =
  | { kind: "hosted"; recipient: HostedRecipient }
  /** On a domain this server receives for, but no mailbox takes it: a 550 we give ourselves. */
  | { kind: "unknown"; address: string; response: string }
  | { kind: "remote"; address: string };

/**
 * Where each recipient's copy goes, by the recipient rule the MX applies: mail for our own
 * domains never leaves the server; it goes into the mailbox, or bounces as our MX would answer.
 */
function routeOf(decision: RecipientDecision): Route {
  switch (decision.kind) {
    case "mailbox": {
      const { address, mailboxId, tenantId, tag, domainId } = decision;
      return { kind: "hosted", recipient: { address, mailboxId, tenantId, tag, domainId } };
    }
    case "unknown":
      return { kind: "unknown", address: decision.address, response: "550 5.1.1 No such mailbox here" };
    case "foreign":
      return { kind: "remote", address: decision.address };
  }
}

/** message.sent, and delivery.sent / delivery.bounced for the recipients settled by the send itself. */
function sendEvents(draft: OutboundDraft, messageId: string, rows: NewDeliveryRow[]) {
  const sender: SenderRef = { tenantId: draft.tenantId, mailboxId: draft.senderMailboxId, domainId: draft.senderDomainId };
  const settled = rows.flatMap((row) =>
    row.status === "sent" || row.status === "bounced"
      ? [
          deliveryEvent(sender, {
            deliveryId: row.id,
            messageId,
            recipient: row.recipient,
            from: draft.fromAddress,
            subject: draft.subject,
            status: row.status,
            attempt: 1,
            response: row.last_response ?? null,
            nextAttemptAt: null,
            copyMessageId: row.copy_message_id ?? null,
          }),
        ]
      : [],
  );
  const sent = messageSentEvent(sender, {
    messageId,
    from: draft.fromAddress,
    to: draft.to,
    cc: draft.cc,
    subject: draft.subject,
    source: draft.source,
    recipients: draft.recipients.length,
    tags: draft.tags,
  });
  return [sent, ...settled];
}

/**
 * The sending mailbox's own copy, for its \Sent folder: the bytes exactly as sent (signed; an API
 * send never has a Bcc header), seen, linked to the outbound message, and no message.received
 * event (it did not arrive). None when the sender is an address on a domain, not a mailbox.
 */
async function sentFolderCopy(
  deps: CoreDeps,
  draft: OutboundDraft,
  messageId: string,
  parsed: ParsedMessage,
): Promise<IncomingMessage | undefined> {
  if (!draft.senderMailboxId) return undefined;
  const mailbox = { id: draft.senderMailboxId, tenantId: draft.tenantId };
  const folderId = draft.senderSentFolderId ?? (await ensureSentFolder(deps.db, mailbox));
  return {
    id: newId("message"),
    raw: draft.raw,
    envelopeFrom: draft.fromAddress,
    recipients: [
      {
        address: draft.fromAddress,
        mailboxId: mailbox.id,
        tenantId: mailbox.tenantId,
        domainId: draft.senderDomainId,
        folderId,
      },
    ],
    parsed,
    auth: NOT_CHECKED,
    sentMessageId: messageId,
    received: false,
    flags: storedFlags(parseFlags(["\\Seen"])),
  };
}

/** A message ready to go: composed, signed, checked. */
export interface OutboundDraft {
  tenantId: string;
  fromAddress: string;
  senderMailboxId: string | null;
  /** The sending mailbox's \Sent folder as the sender check found it; null: none (made again) or no mailbox. */
  senderSentFolderId?: string | null | undefined;
  /** The sender's custom domain; null on a system domain. */
  senderDomainId: string | null;
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
 * Record a message and its recipients in one statement. Hosted recipients are stored into their
 * inboxes by that same statement (status `sent`), unknown local ones bounce at once, remote ones
 * are queued for the worker. With `withinTransaction` (the idempotency record) the statement runs
 * in a transaction and it runs last inside it.
 */
export async function enqueueOutbound(
  deps: CoreDeps,
  sending: { hosted: HostedStore; writes: OutboundWrites },
  draft: OutboundDraft,
  withinTransaction?: (trx: Transaction<Database>, result: Enqueued) => Promise<void>,
): Promise<Enqueued> {
  const routes: Route[] = (await decideRecipients(deps, draft.recipients)).map(routeOf);

  // Parsing and any look-ups happen first; the write is one statement at the end.
  const messageId = newId("message");
  const hostedRecipients = routes.flatMap((r) => (r.kind === "hosted" ? [r.recipient] : []));
  // Parsed once, for the hosted recipients' copy and the sender's Sent copy alike.
  const parsed = hostedRecipients.length > 0 || draft.senderMailboxId ? await parseMessage(draft.raw) : undefined;
  const hostedCopy: PreparedHostedMail | undefined =
    hostedRecipients.length > 0
      ? await sending.hosted.prepare({
          raw: draft.raw,
          parsed,
          envelopeFrom: draft.fromAddress,
          recipients: hostedRecipients,
          sentMessageId: messageId,
        })
      : undefined;
  const notices: PreparedHostedMail[] = [];
  if (draft.senderMailboxId) {
    for (const r of routes) {
      if (r.kind !== "unknown") continue;
      notices.push(
        await prepareBounceNotice(deps, sending.hosted, {
          sender: draft.fromAddress,
          senderMailboxId: draft.senderMailboxId,
          senderDomainId: draft.senderDomainId,
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

  const hostedMail = [...(hostedCopy ? [hostedCopy] : []), ...notices];
  const sentCopy = parsed && (await sentFolderCopy(deps, draft, messageId, parsed));
  const copies = messageRows([...hostedMail.map((h) => h.incoming), ...(sentCopy ? [sentCopy] : [])]);
  // Each hosted recipient's row names its copy, so the sender can find what the recipient reads.
  const copyIdOf = new Map((hostedCopy ? copies.stored[0]!.copies : []).map((c) => [c.mailbox_id, c.id]));
  const deliverBy = new Date(Date.now() + deps.config.sending.maxDeliveryHours * 3600_000);
  const rows: NewDeliveryRow[] = routes.map((r) => {
    const base = { id: newId("delivery"), message_id: messageId, tenant_id: draft.tenantId, deliver_by: deliverBy };
    switch (r.kind) {
      case "hosted":
        return {
          ...base,
          recipient: r.recipient.address,
          mailbox_id: r.recipient.mailboxId,
          copy_message_id: copyIdOf.get(r.recipient.mailboxId) ?? null,
          status: "sent",
          attempts: 1,
          next_attempt_at: null,
          last_response: "250 2.0.0 Stored in the mailbox",
        };
      case "unknown":
        return {
          ...base,
          recipient: r.address,
          mailbox_id: null,
          status: "bounced",
          attempts: 1,
          next_attempt_at: null,
          last_response: r.response,
        };
      case "remote":
        return {
          ...base,
          recipient: r.address,
          mailbox_id: null,
          status: "queued",
          next_attempt_at: new Date(),
          last_response: null,
        };
      default:
        return r satisfies never;
    }
  });
  const remote = routes.filter((r) => r.kind === "remote").length;
  const result: Enqueued = { messageId, status: rows.every((r) => r.status === "sent") ? "sent" : "queued", remote };

  // Everything the send writes, in ONE statement: the message, its recipients' rows and the
  // hosted copies (with their NOTIFYs), batched with other sends' (createOutboundWrites). Only an
  // Idempotency-Key needs a transaction around it.
  const outboundRow: NewOutboundMessageRow = {
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
  };
  const write: OutboundWrite = {
    contents: copies.contents,
    copies: copies.copies,
    outbound: outboundRow,
    deliveries: rows,
    events: [...eventRows(sendEvents(draft, messageId, rows)), ...copies.events],
  };
  if (withinTransaction) {
    await deps.db.transaction().execute(async (trx) => {
      await writeOutbound(trx, [write]);
      await withinTransaction(trx, result);
    });
  } else {
    await sending.writes.write(write);
  }
  for (const [i, h] of hostedMail.entries()) h.announce(copies.stored[i]!);
  const sentCopyId = sentCopy ? copies.stored[hostedMail.length]!.copies[0]!.id : undefined;

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
      sentCopyId,
    },
    "message accepted for delivery",
  );
  return result;
}
