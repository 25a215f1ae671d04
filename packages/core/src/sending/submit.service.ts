import { MailroomError } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import type { Mailbox } from "../mailboxes/mailbox.service.js";
import { checkMessageStructure } from "../messages/message-parser.js";
import { signMessage } from "./dkim-signer.js";
import { completeHeaders, fromAddresses, readHeaders } from "./header-block.js";
import { newMessageIdHeader } from "./message-composer.js";
import { enqueueOutbound, type Enqueued } from "./outbound-enqueue.js";
import { authorizeSender, type SenderIdentity } from "./sender-policy.js";
import type { SendingContext } from "./send.service.js";

export class SubmissionRefused extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** The sender rule for a logged-in mailbox; a refusal is a 550 5.7.1 with the API's words. */
export async function checkSender(deps: CoreDeps, sending: SendingContext, mailbox: Mailbox): Promise<SenderIdentity> {
  try {
    return await authorizeSender(deps, sending.systemKey, mailbox.tenantId, mailbox.address);
  } catch (err) {
    if (err instanceof MailroomError && err.code === "SENDER_NOT_ALLOWED")
      throw new SubmissionRefused(550, `5.7.1 ${err.message}`);
    throw err;
  }
}

/**
 * A message submitted over SMTP by an authenticated mailbox: From must be that mailbox; Message-ID
 * and Date are added when missing; signed, then queued like an API send. A message our own parser
 * cannot read (MESSAGE_UNREADABLE) is refused whatever its recipients: a remote MX would refuse it too.
 */
export async function submitMessage(
  deps: CoreDeps,
  sending: SendingContext,
  mailbox: Mailbox,
  recipients: string[],
  raw: Buffer,
): Promise<Enqueued> {
  await checkMessageStructure(raw);
  const headers = readHeaders(raw);
  const from = fromAddresses(headers);
  if (from.length !== 1 || from[0] !== mailbox.address) {
    throw new SubmissionRefused(550, `5.7.1 The From header must be your address, ${mailbox.address}`);
  }
  const sender = await checkSender(deps, sending, mailbox);
  const existingId = headers.find((h) => h.name === "message-id")?.value;
  const messageIdHeader = existingId || newMessageIdHeader(mailbox.address);
  const signed = await signMessage(completeHeaders(raw, headers, messageIdHeader, new Date()), sender.dkim);
  const list = (name: string) =>
    headers
      .filter((h) => h.name === name)
      .flatMap((h) =>
        h.value
          .split(",")
          .map((v) => v.trim())
          .filter(Boolean),
      );
  const result = await enqueueOutbound(deps, sending, {
    tenantId: mailbox.tenantId,
    fromAddress: mailbox.address,
    senderMailboxId: mailbox.id,
    senderSentFolderId: sender.sentFolderId,
    senderDomainId: mailbox.domainId,
    recipients: [...new Set(recipients.map((r) => r.toLowerCase()))],
    to: list("to"),
    cc: list("cc"),
    subject: headers.find((h) => h.name === "subject")?.value ?? "",
    messageIdHeader,
    raw: signed,
    tags: [],
    source: "submission",
  });
  if (result.remote > 0) sending.kick();
  return result;
}
