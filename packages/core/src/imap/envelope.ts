import addressparser from "nodemailer/lib/addressparser";
import type { ImapValue } from "./imap-value.js";
import { headerValue, type HeaderField } from "./message-header.js";

/**
 * ENVELOPE (RFC 3501 7.4.2): date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to and
 * message-id, straight from the header (encoded-words are the client's to decode). Sender and
 * reply-to default to from when absent.
 */
export function envelope(headers: readonly HeaderField[]): ImapValue {
  const from = addressList(headerValue(headers, "from"));
  const orFrom = (key: string) => addressList(headerValue(headers, key)) ?? from;
  return [
    headerValue(headers, "date"),
    headerValue(headers, "subject"),
    from,
    orFrom("sender"),
    orFrom("reply-to"),
    addressList(headerValue(headers, "to")),
    addressList(headerValue(headers, "cc")),
    addressList(headerValue(headers, "bcc")),
    headerValue(headers, "in-reply-to"),
    headerValue(headers, "message-id"),
  ];
}

type ParsedAddress = { name: string; address?: string; group?: ParsedAddress[] };

/** "(" 1*address ")" (addresses back to back, no space between) or NIL when there is no address. */
function addressList(value: string | null): ImapValue | null {
  if (value === null || value.trim() === "") return null;
  const parsed = addressparser(value) as ParsedAddress[];
  const addresses = parsed.flatMap(addressOrGroup);
  return addresses.length > 0 ? [{ sequence: addresses }] : null;
}

/**
 * A group is written as a start marker (NIL NIL "name" NIL), its members, and an end marker (NIL NIL
 * NIL NIL); a NIL host means a group marker, so an address without a domain gets an empty host.
 */
function addressOrGroup(entry: ParsedAddress): ImapValue[] {
  if (entry.group) return [[null, null, entry.name, null], ...entry.group.flatMap(addressOrGroup), [null, null, null, null]];
  const address = entry.address ?? "";
  if (address === "") return entry.name ? [[null, null, entry.name, ""]] : [];
  const at = address.lastIndexOf("@");
  const mailbox = at === -1 ? address : address.slice(0, at);
  const host = at === -1 ? "" : address.slice(at + 1);
  return [[entry.name || null, null, mailbox, host]];
}
