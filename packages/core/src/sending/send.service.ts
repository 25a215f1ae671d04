import { MailroomError, parseSendAddress, type SendInput, type SendResult } from "@mailroom/contracts";
import type { Transaction } from "kysely";
import type { Database } from "../db/database.js";
import type { CoreDeps } from "../deps.js";
import type { HostedStore } from "../delivery/hosted-store.js";
import { signMessage } from "./dkim-signer.js";
import { checkIdempotencyKey, claimKey, findReplay, requestHash } from "./idempotency.js";
import { composeMessage, newMessageIdHeader, type ComposeAddress } from "./message-composer.js";
import { enqueueOutbound, type Enqueued } from "./outbound-enqueue.js";
import type { OutboundWrites } from "./outbound-writes.js";
import { authorizeSender, senderNotAllowed } from "./sender-policy.js";
import type { SystemDkimKey } from "./system-dkim-key.js";

export interface SendingContext {
  hosted: HostedStore;
  /** Sends' writes, committed together (createOutboundWrites). */
  writes: OutboundWrites;
  systemKey: () => Promise<SystemDkimKey>;
  /** Tell the local worker there is something to deliver. */
  kick: () => void;
}

/** Rolls the send's transaction back when another request already holds the key. */
class KeyTaken extends Error {}

function addresses(value: string | string[] | undefined): ComposeAddress[] {
  if (value === undefined) return [];
  // The schema has checked every address; a failure here is a bug, not a user fault.
  return (Array.isArray(value) ? value : [value]).map((v) => {
    const parsed = parseSendAddress(v);
    if (!parsed) throw new Error("unchecked address reached core");
    return parsed;
  });
}

export function tooLarge(bytes: number, max: number): MailroomError {
  return new MailroomError("MESSAGE_TOO_LARGE", `The message is ${bytes} bytes; this server accepts at most ${max} bytes`);
}

/** Base64 length → bytes, without decoding. */
function decodedLength(base64: string): number {
  const clean = base64.replace(/[\r\n\s]/g, "");
  const padding = clean.endsWith("==") ? 2 : clean.endsWith("=") ? 1 : 0;
  return Math.floor((clean.length * 3) / 4) - padding;
}

/** POST /send: check, compose, sign, and hand to the queue; at most once per Idempotency-Key. */
export async function sendMessage(
  deps: CoreDeps,
  sending: SendingContext,
  tenantId: string,
  input: SendInput,
  idempotencyKey?: string | undefined,
  onlyAs?: { address: string } | undefined,
): Promise<SendResult> {
  const max = deps.config.smtp.maxMessageBytes;
  const [from] = addresses(input.from);
  // A mailbox token sends as its mailbox only; checked before a replay could answer another sender's send.
  if (onlyAs && from!.address.toLowerCase() !== onlyAs.address) throw senderNotAllowed(from!.address);
  let hash: string | undefined;
  if (idempotencyKey !== undefined) {
    checkIdempotencyKey(idempotencyKey);
    hash = requestHash(input);
    const replay = await findReplay<SendResult>(deps.db, tenantId, idempotencyKey, hash);
    if (replay) return replay;
  }

  const sender = await authorizeSender(deps, sending.systemKey, tenantId, from!.address);
  const to = addresses(input.to);
  const cc = addresses(input.cc);
  const bcc = addresses(input.bcc);

  // Cheap early refusal before building anything big.
  const attachmentBytes = (input.attachments ?? []).reduce((n, a) => n + decodedLength(a.content), 0);
  const estimate = attachmentBytes + (input.html?.length ?? 0) + (input.text?.length ?? 0);
  if (estimate > max) throw tooLarge(estimate, max);

  const messageIdHeader = newMessageIdHeader(sender.address);
  const composed = await composeMessage({
    from: from!,
    to,
    cc,
    replyTo: addresses(input.reply_to),
    subject: input.subject,
    text: input.text,
    html: input.html,
    headers: input.headers ?? {},
    attachments: (input.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: Buffer.from(a.content, "base64"),
      contentType: a.content_type,
    })),
    messageId: messageIdHeader,
    date: new Date(),
  });
  const raw = await signMessage(composed, sender.dkim);
  if (raw.length > max) throw tooLarge(raw.length, max);

  const recipients = [...new Set([...to, ...cc, ...bcc].map((a) => a.address))];
  const draft = {
    tenantId,
    fromAddress: sender.address,
    senderMailboxId: sender.mailboxId,
    senderSentFolderId: sender.sentFolderId,
    senderDomainId: sender.domainId,
    recipients,
    to: to.map((a) => a.address),
    cc: cc.map((a) => a.address),
    subject: input.subject,
    messageIdHeader,
    raw,
    tags: input.tags ?? [],
    source: "api" as const,
  };
  try {
    // Only an Idempotency-Key needs the send's statement wrapped in a transaction (two more round trips).
    const claim =
      idempotencyKey === undefined || hash === undefined
        ? undefined
        : async (trx: Transaction<Database>, enqueued: Enqueued) => {
            const response: SendResult = { message_id: enqueued.messageId, status: enqueued.status };
            if (!(await claimKey(trx, tenantId, idempotencyKey, hash, response))) throw new KeyTaken();
          };
    const result = await enqueueOutbound(deps, sending, draft, claim);
    if (result.remote > 0) sending.kick();
    return { message_id: result.messageId, status: result.status };
  } catch (err) {
    if (!(err instanceof KeyTaken) || idempotencyKey === undefined || hash === undefined) throw err;
    // A concurrent request with this key committed first: answer as it did (or 409).
    const replay = await findReplay<SendResult>(deps.db, tenantId, idempotencyKey, hash);
    if (replay) return replay;
    throw err;
  }
}
