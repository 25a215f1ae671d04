import type { EventType } from "@mailroom/contracts";
import type { OutboundSource } from "../delivery/delivery.table.js";
import type { NewEvent } from "./event-log.js";

/*
 * message.sent (a send accepted) and delivery.* (one recipient's attempt came to something): what
 * the send API, submission and the delivery worker record with the change itself.
 */

/** Who sent: the tenant, and the sending mailbox and custom domain when there are (for filters). */
export interface SenderRef {
  tenantId: string;
  mailboxId: string | null;
  domainId: string | null;
}

export interface SentFacts {
  messageId: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  source: OutboundSource;
  recipients: number;
  tags: string[];
}

export function messageSentEvent(sender: SenderRef, facts: SentFacts): NewEvent {
  return {
    tenantId: sender.tenantId,
    type: "message.sent",
    mailboxId: sender.mailboxId,
    domainId: sender.domainId,
    data: {
      message_id: facts.messageId,
      from: facts.from,
      to: facts.to,
      cc: facts.cc,
      subject: facts.subject,
      source: facts.source,
      recipients: facts.recipients,
      tags: facts.tags,
      urls: { message: `/api/v1/messages/${facts.messageId}` },
    },
  };
}

export type DeliveryEventStatus = "sent" | "deferred" | "bounced" | "failed";

export interface DeliveryFacts {
  deliveryId: string;
  messageId: string;
  recipient: string;
  from: string;
  subject: string;
  status: DeliveryEventStatus;
  /** The attempt this reports (1-based). */
  attempt: number;
  /** The last SMTP reply, or why there was none. */
  response: string | null;
  /** When the next attempt is due (deferred only). */
  nextAttemptAt: Date | null;
  /** The copy stored in a mailbox on this server (a hosted recipient). */
  copyMessageId?: string | null | undefined;
}

export function deliveryEvent(sender: SenderRef, facts: DeliveryFacts): NewEvent {
  return {
    tenantId: sender.tenantId,
    type: `delivery.${facts.status}` satisfies EventType,
    mailboxId: sender.mailboxId,
    domainId: sender.domainId,
    data: {
      delivery_id: facts.deliveryId,
      message_id: facts.messageId,
      recipient: facts.recipient,
      from: facts.from,
      subject: facts.subject,
      status: facts.status,
      attempt: facts.attempt,
      response: facts.response === null ? null : smtpReply(facts.response),
      next_attempt_at: facts.nextAttemptAt?.toISOString() ?? null,
      copy_message_id: facts.copyMessageId ?? null,
      urls: { message: `/api/v1/messages/${facts.messageId}` },
    },
  };
}

export interface SmtpReply {
  /** The three-digit reply code; null when there was no reply (a connection failure). */
  code: number | null;
  /** The RFC 3463 status (`5.1.1`), when the reply had one. */
  enhanced_code: string | null;
  text: string;
}

/** `550 5.1.1 No such user` → {550, "5.1.1", "No such user"}; anything else is all text. */
export function smtpReply(response: string): SmtpReply {
  const match = /^([2-5]\d\d)(?:[ -]+([245]\.\d{1,3}\.\d{1,3}))?[ -]?([\s\S]*)$/.exec(response.trim());
  if (!match) return { code: null, enhanced_code: null, text: response };
  return { code: Number(match[1]), enhanced_code: match[2] ?? null, text: match[3]!.trim() };
}
