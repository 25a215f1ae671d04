import type { MessageDetail } from "@mailroom/core";

/*
 * A message's HTML for the webmail's sandboxed frame. The mail is anyone's HTML: it is served as
 * written (nothing is stripped, which a sanitiser could get wrong) under a policy that lets it do
 * nothing but show itself — no scripts, forms, plugins, frames or navigation (`sandbox` without
 * allowances), no connections, images only from this server (its attachments) and data: URLs unless
 * the reader asks for remote ones, and no referrer to tell a sender where the mail was read.
 */

/** The Content-Security-Policy of a message's HTML. */
export function messageHtmlPolicy(remoteImages: boolean): string {
  const images = remoteImages ? "'self' data: https: http:" : "'self' data:";
  return `default-src 'none'; style-src 'unsafe-inline'; img-src ${images}; font-src data:; sandbox`;
}

/** `cid:` references (RFC 2392), in attributes or CSS `url()`, up to a quote, space, `)` or `>`. */
const CID_REFERENCE = /\bcid:([^"'\s)>]+)/gi;

/**
 * The HTML body with `cid:` references pointing at the message's own attachments, as URLs relative
 * to the /html route (`attachments/att_…`), so they work under either API prefix and behind a proxy
 * that mounts the API elsewhere; a message without HTML gets its text, escaped, in a <pre>.
 */
export function messageHtmlDocument(message: Pick<MessageDetail, "html" | "text" | "attachments">): string {
  if (message.html === null) {
    return `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre style="white-space: pre-wrap">${escapeHtml(message.text ?? "")}</pre></body></html>`;
  }
  const byContentId = new Map<string, string>();
  for (const attachment of message.attachments) {
    if (attachment.contentId) byContentId.set(normaliseContentId(attachment.contentId), attachment.id);
  }
  if (byContentId.size === 0) return message.html;
  return message.html.replace(CID_REFERENCE, (reference, id: string) => {
    const attachmentId = byContentId.get(normaliseContentId(decodeLeniently(id)));
    return attachmentId === undefined ? reference : `attachments/${attachmentId}`;
  });
}

/** `<Part1.ABC@example.com>` and `part1.abc@example.com` name the same part. */
function normaliseContentId(id: string): string {
  return id.trim().replace(/^<|>$/g, "").toLowerCase();
}

function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Text made safe to place in HTML content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
