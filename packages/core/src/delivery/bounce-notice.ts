import { randomUUID } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer";
import type { CoreDeps } from "../deps.js";
import type { HostedStore, PreparedHostedMail } from "./hosted-store.js";

export interface BounceFacts {
  /** The hosted mailbox that sent the message, and its address. */
  sender: string;
  senderMailboxId: string;
  /** The sender mailbox's custom domain (null on a system domain). */
  senderDomainId: string | null;
  tenantId: string;
  recipient: string;
  status: "bounced" | "failed";
  /** The last SMTP reply, or why there was none. */
  response: string;
  attempts: number;
  original: Buffer;
}

/** The header block of a message (up to the first empty line), for the notice's third part. */
function headerBlock(raw: Buffer): Buffer {
  const end = raw.indexOf("\r\n\r\n");
  return end >= 0 ? raw.subarray(0, end + 2) : raw.subarray(0, Math.min(raw.length, 16 * 1024));
}

/**
 * A delivery status notification (RFC 3464 layout: text, message/delivery-status, the original's
 * headers) from MAILER-DAEMON, ready to go into the sender's inbox. Built before the transaction
 * that records the bounce, stored inside it: the notice exists exactly when the bounce does.
 */
export async function prepareBounceNotice(deps: CoreDeps, hosted: HostedStore, facts: BounceFacts): Promise<PreparedHostedMail> {
  const hostname = deps.config.hostname;
  const reason =
    facts.status === "bounced"
      ? `The recipient's server refused the message:\r\n\r\n    ${facts.response}`
      : `It could not be delivered within ${deps.config.sending.maxDeliveryHours} hours ` +
        `(${facts.attempts} attempt${facts.attempts === 1 ? "" : "s"}). The last error was:\r\n\r\n    ${facts.response}`;
  const statusCode =
    /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(facts.response)?.[1] ?? (facts.status === "bounced" ? "5.0.0" : "4.4.7");
  const composer = new MailComposer({
    from: { name: "Mail Delivery System", address: `mailer-daemon@${hostname}` },
    to: facts.sender,
    subject: `Undelivered Mail Returned to Sender: ${facts.recipient}`,
    messageId: `<${randomUUID()}@${hostname}>`,
    date: new Date(),
    headers: { "Auto-Submitted": "auto-replied" },
    text: `Your message to ${facts.recipient} was not delivered.\r\n\r\n${reason}\r\n`,
    attachments: [
      {
        contentType: "message/delivery-status",
        filename: "delivery-status.txt",
        content:
          `Reporting-MTA: dns; ${hostname}\r\n\r\n` +
          `Final-Recipient: rfc822; ${facts.recipient}\r\n` +
          "Action: failed\r\n" +
          `Status: ${statusCode}\r\n` +
          `Diagnostic-Code: smtp; ${facts.response.replace(/[\r\n]+/g, " ")}\r\n`,
      },
      { contentType: "text/rfc822-headers", filename: "original-headers.txt", content: headerBlock(facts.original) },
    ],
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: "\r\n",
  });
  const raw = await composer.compile().build();
  return hosted.prepare({
    raw,
    // The null sender: a bounce never bounces.
    envelopeFrom: null,
    recipients: [
      { address: facts.sender, mailboxId: facts.senderMailboxId, tenantId: facts.tenantId, domainId: facts.senderDomainId },
    ],
  });
}
