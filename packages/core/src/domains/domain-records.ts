import type { DnsRecord } from "@mailroom/contracts";

/** What each record proves; the verifier picks its lookup and its matching rule by this. */
export type RecordKind = "mx" | "spf" | "dkim" | "dmarc" | "mail_cname" | "ownership";

export interface ExpectedRecord extends DnsRecord {
  kind: RecordKind;
  /** Needed for the domain to verify. */
  required: boolean;
}

export interface DomainRecordSource {
  name: string;
  verification_token: string;
  dkim_selector: string;
  dkim_public_key: string;
  require_dkim: boolean;
}

export const OWNERSHIP_HOST = "_mailroom-verify";
export const DMARC_VALUE = "v=DMARC1; p=none; adkim=r; aspf=r";

/** Every record a domain should publish, in the order a person adds them. */
export function expectedRecords(domain: DomainRecordSource, hostname: string): ExpectedRecord[] {
  const records: ExpectedRecord[] = [
    { kind: "mx", required: true, type: "MX", host: "@", value: hostname, priority: 10 },
    { kind: "spf", required: true, type: "TXT", host: "@", value: `v=spf1 include:${hostname} ~all` },
    {
      kind: "dkim",
      required: domain.require_dkim,
      type: "TXT",
      host: `${domain.dkim_selector}._domainkey`,
      value: `v=DKIM1; k=rsa; p=${domain.dkim_public_key}`,
    },
    // Recommended: receivers report abuse of the domain, nothing is rejected (p=none).
    { kind: "dmarc", required: false, type: "TXT", host: "_dmarc", value: DMARC_VALUE },
    { kind: "ownership", required: true, type: "TXT", host: OWNERSHIP_HOST, value: domain.verification_token },
  ];
  // A friendly mail.<domain> alias, unless that name is the server itself (a CNAME to itself loops).
  if (`mail.${domain.name}` !== hostname) {
    records.splice(4, 0, { kind: "mail_cname", required: false, type: "CNAME", host: "mail", value: hostname });
  }
  return records;
}

/** The public shape: `{type, host, value, priority?}`. */
export function toDnsRecord(record: ExpectedRecord): DnsRecord {
  const { type, host, value, priority } = record;
  return priority === undefined ? { type, host, value } : { type, host, value, priority };
}

/** `@` → the domain; `_dmarc` → `_dmarc.<domain>`. */
export function absoluteName(host: string, domain: string): string {
  return host === "@" ? domain : `${host}.${domain}`;
}

/** Suffixes reserved for private or test use (RFC 2606, RFC 6761, RFC 6762, RFC 8375): no public DNS name ends so. */
const PRIVATE_SUFFIXES = ["localhost", "local", "test", "example", "invalid", "internal", "lan", "home.arpa", "localdomain"];

/**
 * Why `hostname` cannot be what other servers look up (the MX target, the SPF include, the mail
 * CNAME); null when it can. A public name has at least two labels and a top-level domain of
 * letters (or xn--), and no reserved private suffix.
 */
export function hostnameWarning(hostname: string): string | null {
  const labels = hostname.toLowerCase().replace(/\.$/, "").split(".");
  const tld = labels[labels.length - 1] ?? "";
  const isPrivate = PRIVATE_SUFFIXES.some((s) => labels.join(".") === s || labels.join(".").endsWith(`.${s}`));
  if (labels.length >= 2 && /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/.test(tld) && !isPrivate) return null;
  return (
    `MAILROOM_HOSTNAME "${hostname}" is not a public, fully qualified host name, so the MX, SPF and CNAME records ` +
    "that point at it cannot work; set MAILROOM_HOSTNAME to this server's public name (e.g. mail.example.com)"
  );
}
