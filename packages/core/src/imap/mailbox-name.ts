/**
 * Mailbox names on the wire are modified UTF-7 (RFC 3501 section 5.1.3): printable US-ASCII stands for
 * itself ("&" as "&-"), everything else is UTF-16BE in a BASE64 variant ("," for "/", no padding)
 * between "&" and "-". Decoding rejects non-canonical forms so one mailbox has one spelling.
 */

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
const BASE64_VALUES = new Map([...BASE64].map((c, i) => [c, i]));

export function encodeMailboxName(name: string): string {
  let out = "";
  let pending: number[] = [];
  const flush = () => {
    if (pending.length > 0) out += `&${encodeUtf16(pending)}-`;
    pending = [];
  };
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit >= 0x20 && unit <= 0x7e) {
      flush();
      out += unit === 0x26 ? "&-" : name[i];
    } else {
      pending.push(unit);
    }
  }
  flush();
  return out;
}

function encodeUtf16(units: number[]): string {
  const bytes = units.flatMap((u) => [u >> 8, u & 0xff]);
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const chunk = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.ceil((Math.min(3, bytes.length - i) * 8) / 6);
    for (let c = 0; c < chars; c++) out += BASE64[(chunk >> (18 - 6 * c)) & 0x3f];
  }
  return out;
}

/** The Unicode name a wire name stands for; null when it is not canonical modified UTF-7. */
export function decodeMailboxName(wire: string): string | null {
  let out = "";
  let i = 0;
  while (i < wire.length) {
    const c = wire.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return null;
    if (c !== 0x26) {
      out += wire[i];
      i++;
      continue;
    }
    const end = wire.indexOf("-", i + 1);
    if (end === -1) return null;
    if (end === i + 1) out += "&";
    else {
      const decoded = decodeShifted(wire.slice(i + 1, end));
      if (decoded === null) return null;
      out += decoded;
    }
    i = end + 1;
  }
  return out;
}

function decodeShifted(text: string): string | null {
  let bits = 0;
  let bitCount = 0;
  const bytes: number[] = [];
  for (const char of text) {
    const value = BASE64_VALUES.get(char);
    if (value === undefined) return null;
    bits = ((bits << 6) | value) & 0xffffff;
    bitCount += 6;
    if (bitCount >= 8) {
      bitCount -= 8;
      bytes.push((bits >> bitCount) & 0xff);
    }
  }
  // Leftover bits must be padding zeros, and whole UTF-16 code units only.
  if (bitCount >= 6 || (bits & ((1 << bitCount) - 1)) !== 0 || bytes.length % 2 !== 0) return null;
  let out = "";
  for (let b = 0; b < bytes.length; b += 2) out += String.fromCharCode((bytes[b]! << 8) | bytes[b + 1]!);
  return isCanonicalShift(out) ? out : null;
}

/** A shifted run may not carry what could stand for itself, nor broken surrogate pairs. */
function isCanonicalShift(units: string): boolean {
  for (let i = 0; i < units.length; i++) {
    const u = units.charCodeAt(i);
    if (u >= 0x20 && u <= 0x7e) return false;
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = units.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (u >= 0xdc00 && u <= 0xdfff) return false;
  }
  return true;
}

/** INBOX is case-insensitive (RFC 3501 5.1); every other name is case-sensitive. */
export function normalizeMailboxName(name: string): string {
  return name.toUpperCase() === "INBOX" ? "INBOX" : name;
}

export const MAX_MAILBOX_NAME_LENGTH = 1024;

/** Why a decoded name cannot be a mailbox (CREATE/RENAME), or null when it can. */
export function mailboxNameProblem(name: string, delimiter = "/"): string | null {
  if (name.length === 0) return "Mailbox name is empty";
  if (Buffer.byteLength(name) > MAX_MAILBOX_NAME_LENGTH) return "Mailbox name is too long";
  for (const char of name) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) return "Mailbox name contains a control character";
  }
  if (name.includes("*") || name.includes("%")) return "Mailbox name contains a LIST wildcard";
  const levels = name.split(delimiter);
  if (levels.some((level) => level.length === 0)) return "Mailbox name has an empty hierarchy level";
  return null;
}
