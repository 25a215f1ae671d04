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
