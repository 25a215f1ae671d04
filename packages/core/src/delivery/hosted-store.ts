import type { Transaction } from "kysely";
import type { Database } from "../db/database.js";
import type { ParsedMessage } from "../messages/message-parser.js";
import type { AcceptedRecipient, IncomingMessage, StoredCopies } from "../messages/message-store.js";

/** A recipient mailbox on this server (address, mailbox, and the address's `+tag`, stored on the copy). */
export type HostedRecipient = AcceptedRecipient;

export interface HostedMail {
  /** The message as it would arrive over SMTP (signed, with Message-ID and Date). */
  raw: Buffer;
  envelopeFrom: string | null;
  recipients: HostedRecipient[];
  /** The outbound message being delivered; each copy records it. Absent for notices about one (bounces). */
  sentMessageId?: string | undefined;
  /** `raw` parsed already (the sender's Sent copy needs it too); parsed here when absent. */
  parsed?: ParsedMessage | undefined;
}

/**
 * Puts a message into hosted inboxes inside the caller's transaction: the receiving side's own
 * storage path, so a hosted delivery is indistinguishable from mail that arrived at the MX.
 * Returns what to run once the transaction has committed (new-mail announcements).
 */
export interface HostedStore {
  /** Work that may not run inside a transaction (parsing, DNS): done first. */
  prepare(mail: HostedMail): Promise<PreparedHostedMail>;
}

export interface PreparedHostedMail {
  store(trx: Transaction<Database>): Promise<{ messageIds: string[]; afterCommit: () => void }>;
  /** What store() writes, for a caller that writes it in a statement of its own (messageRows). */
  incoming: IncomingMessage;
  /** After that statement committed: wake waiters, log. */
  announce(stored: StoredCopies): void;
}
