import type { AuthResults } from "@mailroom/contracts";
import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/** jsonb: read as the value, written as its JSON text (pg would turn a JS array into a PG array). */
type Json<T> = ColumnType<T, string, string>;

export interface MailAddress {
  address: string;
  name: string | null;
}

export interface HeaderLine {
  name: string;
  value: string;
}

/** What is kept of an attachment; the bytes stay in the raw message and are cut out on demand. */
export interface AttachmentMeta {
  id: string;
  /** Position among the parsed attachments of the raw message. */
  index: number;
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  /** md5 of the content (mailparser's checksum), to be sure a re-parse finds the same part. */
  checksum: string;
}

export interface MessageContentTable {
  id: string;
  /** Buffer on PostgreSQL, Uint8Array on PGlite. */
  raw: ColumnType<Uint8Array, Uint8Array, never>;
  size: number;
  envelope_from: string | null;
  headers: Json<HeaderLine[]>;
  cc: Json<MailAddress[]>;
  reply_to: Json<MailAddress[]>;
  message_id: string | null;
  in_reply_to: string | null;
  text_body: string | null;
  html_body: string | null;
  attachments: Json<AttachmentMeta[]>;
  auth_results: Json<AuthResults>;
  created_at: Generated<Date>;
}
export type MessageContentRow = Selectable<MessageContentTable>;
export type NewMessageContentRow = Insertable<MessageContentTable>;

export interface MessageTable {
  id: string;
  tenant_id: string;
  mailbox_id: string;
  content_id: string;
  /** The envelope recipient this copy was accepted for, lower-case. */
  rcpt_to: string;
  /** The `+tag` of rcpt_to (`orders` for info+orders@…); null when it had none. */
  to_tag: Generated<string | null>;
  /** The outbound message this is a hosted recipient's copy of; null for mail from outside. */
  sent_message_id: Generated<string | null>;
  from_address: string;
  from_name: string | null;
  to_addresses: Json<MailAddress[]>;
  subject: string;
  /** The Date header, when it parsed. */
  sent_at: Date | null;
  preview: string;
  size: number;
  has_attachments: boolean;
  /** \Seen (the REST APIs' `seen`). */
  seen: Generated<boolean>;
  received_at: Generated<Date>;
  folder_id: string;
  /** Unique and ascending within the folder; assigned when the copy is stored. */
  uid: Generated<string>;
  /** The folder's modseq at this copy's last change (CONDSTORE). */
  modseq: Generated<string>;
  answered: Generated<boolean>;
  flagged: Generated<boolean>;
  deleted: Generated<boolean>;
  draft: Generated<boolean>;
  /** IMAP keywords (flags without a backslash). */
  keywords: ColumnType<string[], string | undefined, string>;
}
export type MessageRow = Selectable<MessageTable>;
export type NewMessageRow = Insertable<MessageTable>;
