import {
  MAILBOX_NAME_PLUS_MESSAGE,
  MAILBOX_PREFIX_MAX,
  MAILBOX_PREFIX_MIN,
  MailroomError,
  splitMailboxAddress,
  TAG_SEPARATOR,
} from "@mailroom/contracts";

export interface MailboxAddress {
  localPart: string;
  domain: string;
  /** `localPart@domain`, lower-case. */
  address: string;
}

/**
 * Parse and check an address by the rules both dialects share, in the temp-mail-style API's order:
 * format, prefix length, reserved prefix. Addresses are case-insensitive, so everything is
 * lower-cased here, once.
 */
export function parseMailboxAddress(raw: string, reservedPrefixes: readonly string[]): MailboxAddress {
  const parts = splitMailboxAddress(raw.trim().toLowerCase());
  if (!parts) {
    // The API's schemas catch this first with a field path; this guards other callers.
    throw new MailroomError("VALIDATION_ERROR", undefined, {
      details: [{ path: ["email"], message: "Invalid email format" }],
    });
  }
  if (parts.localPart.includes(TAG_SEPARATOR)) {
    throw new MailroomError("VALIDATION_ERROR", undefined, {
      details: [{ path: ["email"], message: MAILBOX_NAME_PLUS_MESSAGE }],
    });
  }
  checkLocalPart(parts.localPart, reservedPrefixes);
  return { ...parts, address: `${parts.localPart}@${parts.domain}` };
}

/** The hosting-style API gives the parts separately; same rules. */
export function mailboxAddressFromParts(username: string, domain: string, reservedPrefixes: readonly string[]): MailboxAddress {
  return parseMailboxAddress(`${username.trim()}@${domain.trim()}`, reservedPrefixes);
}

function checkLocalPart(localPart: string, reservedPrefixes: readonly string[]): void {
  const length = [...localPart].length;
  if (length < MAILBOX_PREFIX_MIN || length > MAILBOX_PREFIX_MAX) throw new MailroomError("EMAIL_PREFIX_LENGTH");
  if (reservedPrefixes.includes(localPart)) throw new MailroomError("EMAIL_PREFIX_RESERVED");
}

/** Lower-case and trim for look-ups (SMTP will hand us addresses in any case). */
export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}
