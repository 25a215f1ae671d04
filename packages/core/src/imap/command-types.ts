import type { ImapDate } from "./imap-date.js";
import type { SequenceSet } from "./sequence-set.js";

/** The typed form of every client command the server understands (RFC 3501 section 6 and extensions). */

interface Tagged {
  tag: string;
}

export type SimpleCommandName =
  | "CAPABILITY"
  | "NOOP"
  | "LOGOUT"
  | "STARTTLS"
  | "CHECK"
  | "CLOSE"
  | "IDLE"
  | "NAMESPACE"
  | "UNSELECT";

export type Command =
  | (Tagged & { name: SimpleCommandName })
  | (Tagged & { name: "AUTHENTICATE"; mechanism: string; initialResponse: string | null })
  | (Tagged & { name: "LOGIN"; username: string; password: string })
  | (Tagged & { name: "SELECT" | "EXAMINE"; mailbox: string; condstore: boolean })
  | (Tagged & { name: "CREATE" | "DELETE" | "SUBSCRIBE" | "UNSUBSCRIBE"; mailbox: string })
  | (Tagged & { name: "RENAME"; from: string; to: string })
  | (Tagged & ListCommand)
  | (Tagged & { name: "LSUB"; reference: string; pattern: string })
  | (Tagged & { name: "STATUS"; mailbox: string; items: StatusItem[] })
  | (Tagged & AppendCommand)
  | (Tagged & { name: "EXPUNGE"; uids: SequenceSet | null })
  | (Tagged & { name: "SEARCH"; uid: boolean; charset: string | null; criteria: SearchKey[] })
  | (Tagged & FetchCommand)
  | (Tagged & StoreCommand)
  | (Tagged & { name: "COPY" | "MOVE"; uid: boolean; sequenceSet: SequenceSet; mailbox: string })
  | (Tagged & { name: "ID"; parameters: [string, string | null][] | null })
  | (Tagged & { name: "ENABLE"; capabilities: string[] });

export type CommandName = Command["name"];

export interface ListCommand {
  name: "LIST";
  reference: string;
  /** One pattern for plain LIST; several with LIST-EXTENDED's parenthesized form. */
  patterns: string[];
  /** LIST-EXTENDED selection options, upper-cased (e.g. SPECIAL-USE, SUBSCRIBED). */
  selectionOptions: string[];
  /** RETURN options, upper-cased (e.g. SPECIAL-USE, CHILDREN). */
  returnOptions: string[];
}

export type StatusItem = "MESSAGES" | "RECENT" | "UIDNEXT" | "UIDVALIDITY" | "UNSEEN" | "HIGHESTMODSEQ";

export interface AppendCommand {
  name: "APPEND";
  mailbox: string;
  flags: string[];
  internalDate: Date | null;
  message: Buffer;
  /** Sent as literal8 (`~{n}`): the message may hold binary content. */
  binary: boolean;
}

export interface FetchCommand {
  name: "FETCH";
  uid: boolean;
  sequenceSet: SequenceSet;
  /** Macros (ALL, FAST, FULL) come expanded; UID FETCH adds no UID item here (the server must). */
  items: FetchItem[];
  changedSince: bigint | null;
}

export interface StoreCommand {
  name: "STORE";
  uid: boolean;
  sequenceSet: SequenceSet;
  action: "set" | "add" | "remove";
  silent: boolean;
  flags: string[];
  unchangedSince: bigint | null;
}

export type SimpleFetchItem =
  | "ENVELOPE"
  | "FLAGS"
  | "INTERNALDATE"
  | "RFC822"
  | "RFC822.HEADER"
  | "RFC822.SIZE"
  | "RFC822.TEXT"
  | "BODY"
  | "BODYSTRUCTURE"
  | "UID"
  | "MODSEQ";

export type FetchItem =
  | { kind: SimpleFetchItem }
  | { kind: "BODY[]"; peek: boolean; section: Section; partial: ByteRange | null };

export interface Section {
  /** Part numbers, e.g. [1, 2] for `1.2`; empty for the whole message. */
  part: number[];
  text: "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME" | null;
  /** Field names for HEADER.FIELDS(.NOT), upper-cased as the response echoes them. */
  fields: string[];
}

export interface ByteRange {
  offset: number;
  length: number;
}

export type FlagSearchKey =
  | "ALL"
  | "ANSWERED"
  | "DELETED"
  | "DRAFT"
  | "FLAGGED"
  | "NEW"
  | "OLD"
  | "RECENT"
  | "SEEN"
  | "UNANSWERED"
  | "UNDELETED"
  | "UNDRAFT"
  | "UNFLAGGED"
  | "UNSEEN";

export type SearchKey =
  | { key: FlagSearchKey }
  | { key: "BCC" | "BODY" | "CC" | "FROM" | "SUBJECT" | "TEXT" | "TO"; value: string }
  | { key: "BEFORE" | "ON" | "SINCE" | "SENTBEFORE" | "SENTON" | "SENTSINCE"; date: ImapDate }
  | { key: "HEADER"; field: string; value: string }
  | { key: "KEYWORD" | "UNKEYWORD"; flag: string }
  | { key: "LARGER" | "SMALLER"; size: number }
  | { key: "NOT"; operand: SearchKey }
  | { key: "OR"; left: SearchKey; right: SearchKey }
  /** A parenthesized group: all of its keys must match. */
  | { key: "AND"; operands: SearchKey[] }
  | { key: "UID"; set: SequenceSet }
  | { key: "SEQUENCE"; set: SequenceSet }
  | { key: "MODSEQ"; modseq: bigint };
