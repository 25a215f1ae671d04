import type { AuthResults } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { newId } from "../ids.js";
import { parseMessage, type ParsedMessage } from "../messages/message-parser.js";
import { announceStored, storeMessagesIn, type IncomingMessage } from "../messages/message-store.js";
import type { NewMailSignal } from "../messages/new-mail-signal.js";
import { receivedHeader } from "../smtp/received-header.js";
import type { HostedMail, HostedStore } from "./hosted-store.js";

/**
 * Hosted delivery through the receiving side's own store (messages/message-store.ts), the function
 * the MX uses: the same rows, the same parsed fields, the same new-mail signal, so mail from a
 * neighbour on this server is read exactly like mail that came in over SMTP.
 *
 * What the MX learns from DNS (SPF, DKIM, DMARC) this server knows first-hand here: the sender
 * was authenticated (API key or SMTP AUTH) and checked against its mailboxes and domains, and we
 * signed the message ourselves. So no look-ups are made; the verdicts say why they pass.
 */
export function createHostedStore(deps: CoreDeps, signal: NewMailSignal | undefined): HostedStore {
  const hostname = deps.config.hostname;
  return {
    async prepare(mail: HostedMail) {
      const id = newId("message");
      const fromDomain = mail.envelopeFrom ? mail.envelopeFrom.slice(mail.envelopeFrom.lastIndexOf("@") + 1) : hostname;
      const dkimDomain =
        /\bd=([a-z0-9.-]+)/i.exec(
          /^DKIM-Signature:[\s\S]*?\r\n(?![ \t])/i.exec(mail.raw.toString("latin1", 0, 4096))?.[0] ?? "",
        )?.[1] ?? null;
      const header =
        `Authentication-Results: ${hostname}; auth=pass (authenticated local sender)` +
        (dkimDomain ? `;\r\n\tdkim=pass (signed here) header.d=${dkimDomain}` : "") +
        `;\r\n\tspf=pass (local delivery) smtp.mailfrom=${mail.envelopeFrom ?? "<>"}\r\n`;
      const auth: AuthResults = {
        spf: { result: "pass", domain: fromDomain },
        dkim: dkimDomain ? [{ result: "pass", domain: dkimDomain, selector: null, aligned: true }] : [],
        dmarc: { result: dkimDomain ? "pass" : "none", policy: null, domain: dkimDomain },
        arc: { result: "none" },
        header: header.trimEnd(),
      };
      const received = receivedHeader({
        helo: hostname,
        ip: "127.0.0.1",
        hostname,
        protocol: "LOCAL",
        id,
        recipients: mail.recipients.map((r) => r.address),
        date: new Date(),
      });
      const added = Buffer.from(header + received, "utf8");
      const raw = Buffer.concat([added, mail.raw]);
      const message: IncomingMessage = {
        id,
        raw,
        envelopeFrom: mail.envelopeFrom,
        recipients: mail.recipients,
        parsed: mail.parsed ? await withAddedHeaders(added, mail.parsed) : await parseMessage(raw),
        auth,
        sentMessageId: mail.sentMessageId,
      };
      return {
        incoming: message,
        announce: (stored) => announceStored(deps, signal, message, stored),
        async store(trx) {
          const [stored] = await storeMessagesIn(trx, [message]);
          return {
            messageIds: stored!.copies.map((c) => c.id),
            afterCommit: () => announceStored(deps, signal, message, stored!),
          };
        },
      };
    },
  };
}

/** What parsing `added` + the message would give, from the message parsed already: only the header lines differ. */
async function withAddedHeaders(added: Buffer, parsed: ParsedMessage): Promise<ParsedMessage> {
  const { headers } = await parseMessage(Buffer.concat([added, Buffer.from("\r\n")]));
  return { ...parsed, headers: [...headers, ...parsed.headers] };
}
