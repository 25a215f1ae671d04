import { findBodyStart, headerValue, parseHeaderBlock, parseParameterizedValue, type HeaderField } from "./message-header.js";

/**
 * The MIME tree of a raw RFC 5322 message with byte offsets of every part, for BODYSTRUCTURE and for
 * FETCH sections (`BODY[1.2.MIME]`). One forward scan per nesting level; nesting and part count are
 * bounded, and anything malformed degrades to a leaf (text/plain when its type cannot be read) rather
 * than failing: a client must always be able to fetch what was stored.
 */

export interface ContentType {
  /** Lower-cased. */
  type: string;
  /** Lower-cased. */
  subtype: string;
  /** Names and values as written. */
  params: [string, string][];
}

export interface MimePart {
  /** The part's header block is [headerStart, bodyStart), blank line included; its body [bodyStart, end). */
  headerStart: number;
  bodyStart: number;
  end: number;
  headers: HeaderField[];
  contentType: ContentType;
  /** Content-Transfer-Encoding, upper-cased; 7BIT when absent. */
  encoding: string;
  id: string | null;
  description: string | null;
  md5: string | null;
  disposition: { type: string; params: [string, string][] } | null;
  language: string[] | null;
  location: string | null;
  /** Body lines, counted for text/* and message/rfc822 parts. */
  lines: number;
  /** A multipart's parts. */
  children: MimePart[];
  /** A message/rfc822 part's encapsulated message. */
  message: MimePart | null;
}

export interface MimeLimits {
  maxDepth: number;
  maxParts: number;
}

const DEFAULT_LIMITS: MimeLimits = { maxDepth: 32, maxParts: 5000 };
const TEXT_PLAIN: ContentType = { type: "text", subtype: "plain", params: [["CHARSET", "US-ASCII"]] };
const MESSAGE_RFC822: ContentType = { type: "message", subtype: "rfc822", params: [] };
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const IDENTITY_ENCODINGS = new Set(["7BIT", "8BIT", "BINARY"]);

export function parseMimeStructure(raw: Buffer, limits: Partial<MimeLimits> = {}): MimePart {
  const scan = { raw, limits: { ...DEFAULT_LIMITS, ...limits }, parts: 0 };
  return parsePart(scan, 0, raw.length, 0, TEXT_PLAIN);
}

interface Scan {
  raw: Buffer;
  limits: MimeLimits;
  parts: number;
}

function parsePart(scan: Scan, start: number, end: number, depth: number, defaultType: ContentType): MimePart {
  scan.parts++;
  const bodyStart = findBodyStart(scan.raw, start, end);
  const headers = parseHeaderBlock(scan.raw.subarray(start, bodyStart));
  const part = leafPart(headers, start, bodyStart, end, defaultType);
  const nestable = depth < scan.limits.maxDepth && scan.parts < scan.limits.maxParts;
  if (part.contentType.type === "multipart") {
    const children = nestable ? parseChildren(scan, part, depth) : [];
    if (children.length > 0) return { ...part, children };
    return { ...part, contentType: TEXT_PLAIN, lines: countLines(scan.raw, bodyStart, end) };
  }
  if (part.contentType.type === "message" && part.contentType.subtype === "rfc822") {
    if (nestable && IDENTITY_ENCODINGS.has(part.encoding)) {
      const message = parsePart(scan, bodyStart, end, depth + 1, TEXT_PLAIN);
      return { ...part, message, lines: countLines(scan.raw, bodyStart, end) };
    }
    return { ...part, contentType: { type: "application", subtype: "octet-stream", params: [] } };
  }
  if (part.contentType.type === "text") return { ...part, lines: countLines(scan.raw, bodyStart, end) };
  return part;
}

function leafPart(headers: HeaderField[], start: number, bodyStart: number, end: number, defaultType: ContentType): MimePart {
  const disposition = headerValue(headers, "content-disposition");
  const language = headerValue(headers, "content-language");
  const parsedDisposition = disposition === null ? null : parseParameterizedValue(disposition);
  return {
    headerStart: start,
    bodyStart,
    end,
    headers,
    contentType: contentType(headerValue(headers, "content-type"), defaultType),
    encoding: (headerValue(headers, "content-transfer-encoding") ?? "7BIT").toUpperCase(),
    id: headerValue(headers, "content-id"),
    description: headerValue(headers, "content-description"),
    md5: headerValue(headers, "content-md5"),
    disposition: parsedDisposition?.token ? { type: parsedDisposition.token, params: parsedDisposition.params } : null,
    language:
      language === null
        ? null
        : language
            .split(",")
            .map((l) => l.trim())
            .filter(Boolean),
    location: headerValue(headers, "content-location"),
    lines: 0,
    children: [],
    message: null,
  };
}

function contentType(value: string | null, defaultType: ContentType): ContentType {
  if (value === null) return defaultType;
  const { token, params } = parseParameterizedValue(value);
  const [type, subtype, ...rest] = token.split("/").map((s) => s.trim());
  if (!type || !subtype || rest.length > 0 || !TOKEN.test(type) || !TOKEN.test(subtype)) return TEXT_PLAIN;
  return { type: type.toLowerCase(), subtype: subtype.toLowerCase(), params };
}

function parseChildren(scan: Scan, part: MimePart, depth: number): MimePart[] {
  const boundary = part.contentType.params.find(([name]) => name.toLowerCase() === "boundary")?.[1];
  if (!boundary) return [];
  const childType = part.contentType.subtype === "digest" ? MESSAGE_RFC822 : TEXT_PLAIN;
  const ranges = partRanges(scan.raw, part.bodyStart, part.end, Buffer.from(`--${boundary}`));
  const children: MimePart[] = [];
  for (const [start, end] of ranges) {
    if (scan.parts >= scan.limits.maxParts) break;
    children.push(parsePart(scan, start, end, depth + 1, childType));
  }
  return children;
}

/**
 * The byte ranges between delimiter lines (RFC 2046 5.1.1). The line break before a delimiter belongs
 * to the delimiter; a missing close delimiter ends the last part at the end of the body.
 */
function partRanges(raw: Buffer, start: number, end: number, marker: Buffer): [number, number][] {
  const ranges: [number, number][] = [];
  let partStart = -1;
  let lineStart = start;
  while (lineStart < end) {
    const lf = raw.indexOf(0x0a, lineStart);
    const lineEnd = lf === -1 || lf >= end ? end : lf + 1;
    const kind = delimiterKind(raw, lineStart, lineEnd, marker);
    if (kind !== null) {
      if (partStart !== -1) ranges.push([partStart, lineBreakStart(raw, partStart, lineStart)]);
      if (kind === "close") return ranges;
      partStart = lineEnd;
    }
    lineStart = lineEnd;
  }
  if (partStart !== -1) ranges.push([partStart, end]);
  return ranges;
}

function delimiterKind(raw: Buffer, lineStart: number, lineEnd: number, marker: Buffer): "open" | "close" | null {
  if (lineEnd - lineStart < marker.length || raw.compare(marker, 0, marker.length, lineStart, lineStart + marker.length) !== 0) {
    return null;
  }
  let i = lineStart + marker.length;
  const close = raw[i] === 0x2d && raw[i + 1] === 0x2d && i + 1 < lineEnd;
  if (close) i += 2;
  // Transport padding: only whitespace may follow the boundary on its line.
  for (; i < lineEnd; i++) if (raw[i] !== 0x20 && raw[i] !== 0x09 && raw[i] !== 0x0d && raw[i] !== 0x0a) return null;
  return close ? "close" : "open";
}

function lineBreakStart(raw: Buffer, partStart: number, delimiterStart: number): number {
  let end = delimiterStart;
  if (end > partStart && raw[end - 1] === 0x0a) end--;
  if (end > partStart && raw[end - 1] === 0x0d) end--;
  return end;
}

/** Lines in [start, end): line feeds, plus one for a last line without its own. */
export function countLines(raw: Buffer, start: number, end: number): number {
  let lines = 0;
  let lf = raw.indexOf(0x0a, start);
  while (lf !== -1 && lf < end) {
    lines++;
    lf = raw.indexOf(0x0a, lf + 1);
  }
  return end > start && raw[end - 1] !== 0x0a ? lines + 1 : lines;
}
