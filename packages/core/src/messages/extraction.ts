/*
 * What a test or an application usually wants from a message: its one-time codes and its links.
 * One function each, used by GET /messages/{id}, /wait and the message.received event alike.
 * Computed when read, from the stored text and HTML: cheap (one streaming HTML pass, linear scans
 * over at most 64 KiB of text), so nothing needs storing or migrating when the rules improve.
 */
import { readHtml } from "./html-reading.js";
import { type ExtractedLink, LinkList, MAX_LINKS } from "./message-links.js";
import { findCodes } from "./one-time-codes.js";

export type { ExtractedLink } from "./message-links.js";

export interface ExtractionInput {
  subject: string;
  text: string | null;
  html: string | null;
}

export interface Extraction {
  codes: string[];
  links: ExtractedLink[];
}

/** The text a code is looked for in: the first 64 KiB. */
export const MAX_TEXT_LENGTH = 64 * 1024;
/** The HTML read for its text and anchors: newsletters run long, their links sit throughout. */
export const MAX_HTML_LENGTH = 512 * 1024;

/** One-time codes, the likeliest first. */
export function extractCodes(input: ExtractionInput): string[] {
  return extractAll(input).codes;
}

/** Links from HTML anchors and bare URLs in text, de-duplicated, mailto: excluded. */
export function extractLinks(input: Pick<ExtractionInput, "text" | "html">): ExtractedLink[] {
  return extractAll({ subject: "", ...input }).links;
}

/** Codes and links at once, reading the HTML a single time. */
export function extractAll(input: ExtractionInput): Extraction {
  const html = input.html
    ? readHtml(input.html.slice(0, MAX_HTML_LENGTH), { maxText: MAX_TEXT_LENGTH, maxAnchors: MAX_LINKS })
    : null;
  const text = input.text?.trim() ? input.text.slice(0, MAX_TEXT_LENGTH) : null;

  // The text part first; the HTML's text when there is no text part, or when the text part (often
  // a stub: "view this mail in a browser") holds no code.
  let codes = findCodes(input.subject, text ?? html?.text ?? "");
  if (codes.length === 0 && text !== null && html) codes = findCodes(input.subject, html.text);

  const links = new LinkList();
  for (const anchor of html?.anchors ?? []) links.addHref(anchor.href, anchor.text);
  links.addBareUrls(text ?? html?.text ?? "");
  return { codes, links: links.links };
}
