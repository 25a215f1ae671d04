import { domainToASCII } from "node:url";
import { MailroomError } from "@mailroom/contracts";

const MAX_NAME = 253;
const MAX_LABEL = 63;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * The stored form of a domain a user typed: lower-case ASCII, IDNs as punycode, one trailing dot
 * dropped. Anything that is not a host name with at least two labels is a 400 naming `domain`.
 */
export function normaliseDomainName(input: string): string {
  const problem = (message: string) =>
    new MailroomError("VALIDATION_ERROR", undefined, { details: [{ path: ["domain"], message }] });

  let name = input.trim().toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name === "") return fail(problem("Domain is required"));
  // Check the ASCII characters before conversion: domainToASCII would silently cut "a/b.com" to "a".
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are among what a host name may not hold
  if (/[\x00-\x2c\x2f\x3a-\x60\x7b-\x7f]/.test(name)) {
    return fail(problem("Domain may contain only letters, digits, hyphens and dots"));
  }
  if (name.split(".").some((label) => label === "")) return fail(problem("Domain must not contain empty labels"));

  const ascii = domainToASCII(name);
  if (ascii === "") return fail(problem("Domain is not a valid internationalised domain name"));
  if (ascii.length > MAX_NAME) return fail(problem(`Domain must be at most ${MAX_NAME} characters`));

  const labels = ascii.split(".");
  if (labels.length < 2) return fail(problem("Domain must have at least two labels, like example.com"));
  for (const label of labels) {
    if (label.length > MAX_LABEL) return fail(problem(`Domain labels must be at most ${MAX_LABEL} characters`));
    if (label.startsWith("-") || label.endsWith("-")) {
      return fail(problem("Domain labels must not start or end with a hyphen"));
    }
    if (!LABEL.test(label)) return fail(problem("Domain may contain only letters, digits, hyphens and dots"));
  }
  if (/^\d+$/.test(labels.at(-1)!)) return fail(problem("Domain must end in a top-level domain, not a number"));
  return ascii;
}

/** True for a system domain of this server or any name under one. */
export function isSystemDomain(name: string, systemDomains: { domain: string }[]): boolean {
  return systemDomains.some(({ domain }) => name === domain || name.endsWith(`.${domain}`));
}

function fail(error: MailroomError): never {
  throw error;
}
