import { Parser } from "htmlparser2";

/** What a reader sees of an HTML body: its text, one line per block, and its anchors in order. */
export interface HtmlReading {
  text: string;
  anchors: { href: string; text: string }[];
}

// Elements that start a new line when rendered; table cells only a space.
const BLOCKS = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "br",
  "center",
  "dd",
  "div",
  "dl",
  "dt",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "table",
  "tbody",
  "tfoot",
  "thead",
  "tr",
  "ul",
]);
const CELLS = new Set(["td", "th"]);
// Never shown: their text is code or metadata, not what the recipient reads.
const HIDDEN = new Set(["head", "noscript", "script", "style", "svg", "template", "title"]);
const MAX_ANCHOR_TEXT = 500;

/**
 * One streaming pass of htmlparser2 (no DOM): entities decoded, hidden elements skipped.
 * Stops collecting text at `maxText` characters and anchors at `maxAnchors`; the parse itself is
 * linear, and the caller bounds the HTML it hands in.
 */
export function readHtml(html: string, limits: { maxText: number; maxAnchors: number }): HtmlReading {
  const text: string[] = [];
  let textLength = 0;
  const anchors: HtmlReading["anchors"] = [];
  let hiddenDepth = 0;
  let anchor: { href: string; text: string[]; alt: string } | null = null;

  const append = (piece: string) => {
    if (textLength >= limits.maxText) return;
    text.push(piece);
    textLength += piece.length;
  };
  const closeAnchor = () => {
    if (!anchor) return;
    const visible = anchor.text.join("").replace(/\s+/g, " ").trim().slice(0, MAX_ANCHOR_TEXT);
    if (anchors.length < limits.maxAnchors) anchors.push({ href: anchor.href, text: visible || anchor.alt });
    anchor = null;
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (HIDDEN.has(name)) hiddenDepth++;
        if (hiddenDepth > 0) return;
        if (BLOCKS.has(name)) append("\n");
        else if (CELLS.has(name)) append(" ");
        if (name === "a") {
          closeAnchor(); // anchors do not nest: a new one ends the last
          if (attribs.href !== undefined) anchor = { href: attribs.href, text: [], alt: "" };
        } else if (name === "img" && anchor && !anchor.alt && attribs.alt) {
          anchor.alt = attribs.alt.trim(); // the text of an image-only link
        }
      },
      ontext(data) {
        if (hiddenDepth > 0) return;
        const piece = data.replace(/\s+/g, " ");
        append(piece);
        if (anchor && anchor.text.length < 64) anchor.text.push(piece);
      },
      onclosetag(name) {
        if (HIDDEN.has(name)) {
          hiddenDepth = Math.max(0, hiddenDepth - 1);
          return;
        }
        if (hiddenDepth > 0) return;
        if (name === "a") closeAnchor();
        if (BLOCKS.has(name)) append("\n");
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  closeAnchor();
  return { text: tidyLines(text.join("")), anchors };
}

/** Spaces trimmed at each line's ends, runs of blank lines down to one. */
function tidyLines(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
