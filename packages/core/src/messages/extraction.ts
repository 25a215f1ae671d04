/*
 * What a test or an application usually wants from a message: its one-time codes and its links.
 * One function each, used by GET /messages/{id}, /wait and the message.received event alike.
 */

export interface ExtractionInput {
  subject: string;
  text: string | null;
  html: string | null;
}

export interface ExtractedLink {
  url: string;
  text: string;
}

/** One-time codes, the likeliest first. */
export function extractCodes(_input: ExtractionInput): string[] {
  return [];
}

/** Links from HTML anchors and bare URLs in text, de-duplicated, mailto: excluded. */
export function extractLinks(_input: Pick<ExtractionInput, "text" | "html">): ExtractedLink[] {
  return [];
}
