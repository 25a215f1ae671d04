import type { Transaction } from "kysely";
import type { Database } from "../db/database.js";

/** A recipient mailbox on this server. */
export interface HostedRecipient {
  /** The envelope address, lower-case. */
  address: string;
  mailboxId: string;
  tenantId: string;
}

export interface HostedMail {
  /** The message as it would arrive over SMTP (signed, with Message-ID and Date). */
  raw: Buffer;
  envelopeFrom: string | null;
  recipients: HostedRecipient[];
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
}
