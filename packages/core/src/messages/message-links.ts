/** A link as a reader of the message would follow it. */
export interface ExtractedLink {
  url: string;
  /** The anchor's visible text (or its image's alt text); empty for a bare URL in text. */
  text: string;
}

export const MAX_LINKS = 100;
const MAX_URL_LENGTH = 8192;

// Not pages a test would open: mail, phone and script schemes, inline data, parts of the message itself.
const EXCLUDED_SCHEMES = new Set([
  "about",
  "blob",
  "callto",
  "cid",
  "data",
  "file",
  "javascript",
  "mailto",
  "mid",
  "sms",
  "tel",
  "vbscript",
]);
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
// The literal scheme comes first, so each start position costs a constant: linear on any input.
const BARE_URL = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = ".,;:!?'\"*";
const CLOSERS: Record<string, string> = { ")": "(", "]": "[", "}": "{" };

/** Collects links in order, one per URL: the first occurrence's place, an anchor's text over none. */
export class LinkList {
  private readonly byUrl = new Map<string, ExtractedLink>();

  /** An href as written in the HTML (entities already decoded by the parser). */
  addHref(href: string, text: string): void {
    // Browsers drop tabs and newlines anywhere in a URL, and spaces at its ends.
    const url = href.replace(/[\t\n\r]/g, "").trim();
    const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
    // No scheme: relative or fragment-only, nothing to open outside the message.
    if (!scheme || EXCLUDED_SCHEMES.has(scheme) || url.length > MAX_URL_LENGTH || !URL.canParse(url)) return;
    this.add(url, text);
  }

  /** Bare http(s) URLs in plain text, without the punctuation of the sentence around them. */
  addBareUrls(text: string): void {
    for (const match of text.matchAll(BARE_URL)) {
      if (this.byUrl.size >= MAX_LINKS) return;
      const url = trimTrailingPunctuation(match[0]);
      if (url.length <= MAX_URL_LENGTH && URL.canParse(url)) this.add(url, "");
    }
  }

  get links(): ExtractedLink[] {
    return [...this.byUrl.values()];
  }

  private add(url: string, text: string): void {
    const known = this.byUrl.get(url);
    if (known) {
      if (!known.text) known.text = text;
    } else if (this.byUrl.size < MAX_LINKS) {
      this.byUrl.set(url, { url, text });
    }
  }
}

/** `https://x.test/a).` → `https://x.test/a`, but `https://x.test/wiki/A_(b)` keeps its own brackets. */
export function trimTrailingPunctuation(url: string): string {
  const open: Record<string, number> = { "(": 0, "[": 0, "{": 0 };
  const close: Record<string, number> = { ")": 0, "]": 0, "}": 0 };
  for (const c of url) {
    if (c in open) open[c]!++;
    else if (c in close) close[c]!++;
  }
  let end = url.length;
  while (end > 0) {
    const c = url[end - 1]!;
    const opener = CLOSERS[c];
    if (TRAILING.includes(c)) end--;
    else if (opener && close[c]! > open[opener]!) {
      close[c]!--;
      end--;
    } else break;
  }
  return url.slice(0, end);
}
