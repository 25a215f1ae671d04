import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { MailroomError } from "@mailroom/contracts";
import { Splitter } from "@zone-eu/mailsplit";
import { simpleParser, type AddressObject, type Attachment, type EmailAddress } from "mailparser";
import type { HeaderLine, MailAddress } from "./message.table.js";

/** What a message says about itself, as stored and listed. */
export interface ParsedMessage {
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  subject: string;
  date: Date | null;
  messageId: string | null;
  inReplyTo: string | null;
  text: string | null;
  html: string | null;
  headers: HeaderLine[];
  attachments: ParsedAttachment[];
  preview: string;
}

export interface ParsedAttachment {
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  checksum: string;
}

const PREVIEW_LENGTH = 200;

// cid: links stay as written (no data: URLs blown into the stored HTML); no text → HTML copy.
const OPTIONS = { keepCidLinks: true, skipTextToHtml: true, skipImageLinks: true } as const;

/**
 * Parse a raw message (mailparser). Never throws on odd mail: what cannot be read is left empty.
 * Mail past the parser's own limits throws MESSAGE_UNREADABLE: a fault of the message, not ours.
 */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const mail = await simpleParser(raw, OPTIONS).catch((err: unknown) => {
    throw parseLimitError(err) ?? err;
  });
  const text = mail.text ? clean(mail.text) : null;
  const html = typeof mail.html === "string" && mail.html ? clean(mail.html) : null;
  const from = addresses(mail.from)[0] ?? null;
  return {
    from,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    replyTo: addresses(mail.replyTo),
    subject: clean(mail.subject ?? ""),
    date: mail.date && !Number.isNaN(mail.date.getTime()) ? mail.date : null,
    messageId: mail.messageId ? clean(mail.messageId) : null,
    inReplyTo: mail.inReplyTo ? clean(mail.inReplyTo) : null,
    text,
    html,
    headers: mail.headerLines.map(({ line }) => headerLine(line)),
    attachments: mail.attachments.map(toParsedAttachment),
    preview: preview(text, html),
  };
}

/**
 * Throws MESSAGE_UNREADABLE for a message parseMessage would refuse, without decoding it: the
 * same splitter with the same limits, so mail a sender can send is the mail a mailbox can store.
 */
export async function checkMessageStructure(raw: Buffer): Promise<void> {
  const discard = new Writable({ objectMode: true, write: (_node, _encoding, done) => done() });
  await pipeline(Readable.from([raw]), new Splitter(), discard).catch((err: unknown) => {
    throw parseLimitError(err) ?? err;
  });
}

/** The attachments of a raw message, content included (for downloads: only the raw is stored). */
export async function parseAttachments(raw: Uint8Array): Promise<Attachment[]> {
  return (await simpleParser(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), OPTIONS)).attachments;
}

/**
 * The parser (mailsplit) stops with EMAXLEN at a header section over 1 MiB in one MIME part (each
 * line counting at least 64 bytes, so also at about 16k header fields) or at more than 1000 parts.
 */
function parseLimitError(err: unknown): MailroomError | undefined {
  if ((err as { code?: unknown } | null)?.code !== "EMAXLEN") return undefined;
  const text = String((err as Error).message);
  const what = /header size/i.test(text)
    ? "a header section is larger than 1 MiB (or has too many fields)"
    : /child nodes/i.test(text)
      ? "it has more than 1000 MIME parts"
      : "it is beyond the parser's limits";
  return new MailroomError("MESSAGE_UNREADABLE", `Message refused: ${what}`, { cause: err });
}

function toParsedAttachment(a: Attachment): ParsedAttachment {
  return {
    filename: a.filename ? clean(a.filename) : null,
    contentType: clean(a.contentType || "application/octet-stream"),
    size: a.size,
    contentId: a.contentId ? clean(a.contentId) : null,
    checksum: a.checksum,
  };
}

function addresses(header: AddressObject | AddressObject[] | undefined): MailAddress[] {
  const out: MailAddress[] = [];
  const walk = (list: EmailAddress[]) => {
    for (const entry of list) {
      if (entry.group) walk(entry.group);
      else if (entry.address) out.push({ address: clean(entry.address), name: entry.name ? clean(entry.name) : null });
    }
  };
  for (const h of header === undefined ? [] : Array.isArray(header) ? header : [header]) walk(h.value);
  return out;
}

/** `Name: value` with folding undone; the name as the sender wrote it. */
function headerLine(line: string): HeaderLine {
  const colon = line.indexOf(":");
  const name = colon < 0 ? line : line.slice(0, colon);
  const value = colon < 0 ? "" : line.slice(colon + 1);
  return { name: clean(name.trim()), value: clean(value.replace(/\r?\n[ \t]+/g, " ").trim()) };
}

function preview(text: string | null, html: string | null): string {
  const source =
    text ??
    (html ?? "")
      .replace(/<(style|script)[\s\S]*?<\/\1>/gi, " ")
      .replace(/<[^>]*>/g, " ")
      .replace(/&nbsp;/g, " ")
      .replace(/&amp;/g, "&")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">");
  // Flatten only as much of the start as the preview needs, not the whole body of every message.
  for (let take = PREVIEW_LENGTH * 8; ; take *= 4) {
    const flat = source.slice(0, take).replace(/\s+/g, " ").trim();
    // 2 code units per character at most: enough for PREVIEW_LENGTH characters.
    if (flat.length >= PREVIEW_LENGTH * 2 || take >= source.length) return [...flat].slice(0, PREVIEW_LENGTH).join("");
  }
}

/** PostgreSQL text and jsonb cannot hold NUL; mail from anywhere may contain it. */
export function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this removes
  return value.includes("\u0000") ? value.replace(/\u0000/g, "") : value;
}
