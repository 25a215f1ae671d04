import type { InboxMessage, Message, zEmailMessage, zEmailMessageSummary } from "@mailroom/contracts";
import type { MessageDetail, MessageSummary } from "@mailroom/core";
import type { z } from "zod";

/** Document 1's list item. */
export function toInboxMessage(m: MessageSummary): InboxMessage {
  return {
    id: m.id,
    from: m.from,
    from_name: m.fromName,
    subject: m.subject,
    date: m.date.toISOString(),
    received_at: m.receivedAt.toISOString(),
    to: m.to,
    to_tag: m.toTag,
    sent_message_id: m.sentMessageId,
    seen: m.seen,
    flags: m.flags,
    size: m.size,
    has_attachments: m.hasAttachments,
    preview: m.preview,
  };
}

/** Where a message's bytes are served (http/message-downloads.ts); the API key or the mailbox's token reaches them. */
const messagePath = (id: string) => `/api/v1/messages/${encodeURIComponent(id)}`;

/** Document 1's whole message. */
export function toMessage(m: MessageDetail): Message {
  return {
    ...toInboxMessage(m),
    account_id: m.mailboxId,
    folder: m.folder,
    cc: m.cc,
    reply_to: m.replyTo,
    message_id: m.messageId,
    in_reply_to: m.inReplyTo,
    text: m.text,
    html: m.html,
    headers: m.headers,
    attachments: m.attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      content_type: a.contentType,
      size: a.size,
      content_id: a.contentId,
      url: `${messagePath(m.id)}/attachments/${encodeURIComponent(a.id)}`,
    })),
    auth_results: m.authResults,
    envelope: { mail_from: m.envelope.mailFrom, rcpt_to: m.envelope.rcptTo },
    codes: m.codes,
    links: m.links,
    urls: { raw: `${messagePath(m.id)}/raw`, html: `${messagePath(m.id)}/html` },
  };
}

/** Document 2's list item (camelCase). */
export function toEmailMessageSummary(m: MessageSummary): z.infer<typeof zEmailMessageSummary> {
  return {
    id: m.id,
    from: m.from,
    fromName: m.fromName,
    subject: m.subject,
    date: m.date.toISOString(),
    receivedAt: m.receivedAt.toISOString(),
    to: m.to,
    toTag: m.toTag,
    sentMessageId: m.sentMessageId,
    seen: m.seen,
    size: m.size,
    hasAttachments: m.hasAttachments,
    preview: m.preview,
  };
}

/** Document 2's whole message. */
export function toEmailMessage(m: MessageDetail): z.infer<typeof zEmailMessage> {
  return {
    ...toEmailMessageSummary(m),
    emailId: m.mailboxId,
    cc: m.cc,
    replyTo: m.replyTo,
    messageId: m.messageId,
    inReplyTo: m.inReplyTo,
    text: m.text,
    html: m.html,
    headers: m.headers,
    attachments: m.attachments,
    authResults: m.authResults,
    codes: m.codes,
    links: m.links,
  };
}
