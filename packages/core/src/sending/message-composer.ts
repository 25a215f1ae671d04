import { randomUUID } from "node:crypto";
import MailComposer from "nodemailer/lib/mail-composer";

export interface ComposeAddress {
  address: string;
  name: string | null;
}

export interface ComposeInput {
  from: ComposeAddress;
  to: ComposeAddress[];
  cc: ComposeAddress[];
  replyTo: ComposeAddress[];
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  /** Custom X- headers, already checked (no CR/LF). */
  headers: Record<string, string>;
  attachments: { filename: string; content: Buffer; contentType?: string | undefined }[];
  messageId: string;
  date: Date;
}

/** `<uuid@domain>`: unique, and naming the sending domain as RFC 5322 suggests. */
export function newMessageIdHeader(fromAddress: string): string {
  return `<${randomUUID()}@${fromAddress.slice(fromAddress.lastIndexOf("@") + 1)}>`;
}

const toNodemailer = (a: ComposeAddress) => (a.name ? { name: a.name, address: a.address } : a.address);

/**
 * The RFC 5322 message for an API send (MIME built by nodemailer's composer). Bcc never appears
 * in it: those recipients are only in the envelope. Nothing is read from files or URLs.
 */
export async function composeMessage(input: ComposeInput): Promise<Buffer> {
  const composer = new MailComposer({
    from: toNodemailer(input.from),
    to: input.to.map(toNodemailer),
    cc: input.cc.length > 0 ? input.cc.map(toNodemailer) : undefined,
    replyTo: input.replyTo.length > 0 ? input.replyTo.map(toNodemailer) : undefined,
    subject: input.subject,
    text: input.text,
    html: input.html,
    headers: input.headers,
    attachments: input.attachments.map((a) => ({
      filename: a.filename,
      content: a.content,
      ...(a.contentType ? { contentType: a.contentType } : {}),
    })),
    messageId: input.messageId,
    date: input.date,
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: "\r\n",
  });
  return composer.compile().build();
}
