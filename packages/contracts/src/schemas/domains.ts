import { z } from "zod";
import { zId } from "../ids.js";
import { EXAMPLE_IDS } from "../ids.js";
import { EXAMPLE_TIMES, example, zCursorPage, zTimestamp } from "./common.js";
import { DOMAIN_NAME_PATTERN } from "./mailboxes.js";

export const DOMAIN_STATUSES = ["pending_verification", "active", "failed"] as const;
export const zDomainStatus = z.enum(DOMAIN_STATUSES);
export type DomainStatus = z.infer<typeof zDomainStatus>;

export const DNS_RECORD_TYPES = ["MX", "TXT", "CNAME"] as const;

/** One record to publish; `host` is relative to the domain, `@` for the apex. */
export const zDnsRecord = z.object({
  type: z.enum(DNS_RECORD_TYPES),
  host: z.string().describe("Relative to the domain; @ is the domain itself"),
  value: z.string(),
  priority: z.number().int().optional().describe("MX only"),
});
export type DnsRecord = z.infer<typeof zDnsRecord>;

/** Set when the records cannot work as published: the server's host name is not a public one. */
const zRecordsWarning = z
  .string()
  .nullable()
  .describe(
    "Why these records cannot work yet (the server's MAILROOM_HOSTNAME is not a public, fully qualified name); null when they can",
  );

export const zDomain = z.object({
  id: z.string(),
  domain: z.string().describe("Lower-case ASCII; internationalised names as punycode (xn--…)"),
  status: zDomainStatus,
  dns_records: z.array(zDnsRecord),
  require_dkim: z.boolean().describe("Whether the DKIM record must be published to verify"),
  created_at: zTimestamp,
  verified_at: zTimestamp.nullable().describe("When the domain first verified; its owner keeps the name"),
  checked_at: zTimestamp.nullable().describe("When its records were last looked up"),
  failure_reason: z.string().nullable().describe("Why an active domain became failed"),
  catch_all_account_id: z
    .string()
    .nullable()
    .describe("The mailbox (acc_…, on this domain) that takes mail for unknown addresses here; null = those get 550"),
  dns_warning: zRecordsWarning,
});
export type Domain = z.infer<typeof zDomain>;

/**
 * Booleans outside JSON bodies. A bare z.boolean() would be coerced by trpc-to-openapi, which makes
 * "false" true; query parameters must look like strings to it, so `force` is the string "true"/"false".
 */
const zQueryFlag = z.enum(["true", "false"], { error: 'Must be "true" or "false"' }).transform((v) => v === "true");
const zBodyFlag = z.union([z.boolean(), zQueryFlag]);

export const zCreateDomainInput = z.object({
  // Syntax is checked by core, so every surface gets the same messages.
  domain: z
    .string()
    .meta({ pattern: DOMAIN_NAME_PATTERN.source })
    .describe(
      "e.g. example.com. Also accepted beyond the pattern: surrounding spaces, one trailing dot, and " +
        "internationalised names in Unicode (stored as punycode)",
    ),
});
export type CreateDomainInput = z.infer<typeof zCreateDomainInput>;

export const zDomainIdInput = z.object({ id: zId("domain") });
export const zDeleteDomainInput = zDomainIdInput.extend({
  force: zQueryFlag.optional().describe("Also delete the domain's mailboxes and their mail"),
});
export const zVerifyDomainInput = zDomainIdInput.extend({
  require_dkim: zBodyFlag
    .optional()
    .describe("Whether the DKIM record must match to verify (default true); remembered for later checks"),
});
export const zUpdateDomainInput = zDomainIdInput.extend({
  catch_all_account_id: zId("mailbox")
    .nullable()
    .optional()
    .describe("A mailbox of yours on this domain to take mail for unknown addresses; null clears it"),
});
export type UpdateDomainInput = z.infer<typeof zUpdateDomainInput>;
export const zListDomainsInput = zCursorPage("domain");

export const zListDomainsOutput = z.object({
  domains: z.array(zDomain),
  total: z.number().int(),
  next_cursor: z.string().nullable().describe("Pass as cursor for the next page; null on the last page"),
});

export const zDomainDns = z.object({ domain: z.string(), records: z.array(zDnsRecord), warning: zRecordsWarning });

export const zDnsRecordCheck = zDnsRecord.extend({
  required: z.boolean().describe("Whether the domain can verify without it"),
  found: z.boolean().describe("The expected value is published"),
  observed: z.array(z.string()).describe("What DNS answered at that name (relevant records only)"),
  error: z
    .string()
    .nullable()
    .describe('A failed lookup (e.g. "lookup failed: SERVFAIL"): nothing is known, which is not "missing"'),
  reason: z.string().nullable().describe("Why the record does not count as found; null when found"),
});
export type DnsRecordCheck = z.infer<typeof zDnsRecordCheck>;

export const zDomainVerification = z.object({
  id: z.string(),
  domain: z.string(),
  status: zDomainStatus,
  checked_at: zTimestamp,
  records: z.array(zDnsRecordCheck),
});
export type DomainVerification = z.infer<typeof zDomainVerification>;

/** A domain of the server itself on which tenants create addresses (MAILROOM_SYSTEM_DOMAINS). */
export const zSystemDomain = z.object({
  domain: z.string(),
  premium: z.boolean().describe("Only plans with premium domains (pro, lifetime) may create addresses on it"),
  available: z.boolean().describe("This tenant's plan may create addresses on it"),
});
export type SystemDomain = z.infer<typeof zSystemDomain>;
export const zSystemDomainsOutput = z.object({ domains: z.array(zSystemDomain) });

// ─── Examples (the OpenAPI document's) ───────────────────────────────────────────────────────

const exampleRecords = [
  { type: "MX", host: "@", value: "mx.mail.example.net", priority: 10 },
  { type: "TXT", host: "@", value: "v=spf1 include:mx.mail.example.net ~all" },
  { type: "TXT", host: "mr202611._domainkey", value: "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu5V…" },
  { type: "TXT", host: "_dmarc", value: "v=DMARC1; p=none; adkim=r; aspf=r" },
  { type: "CNAME", host: "mail", value: "mx.mail.example.net" },
  { type: "TXT", host: "_mailroom-verify", value: "mailroom-verify=4kq9x2v7b8n1m6p0" },
] as const satisfies DnsRecord[];
const exampleDomain = {
  id: EXAMPLE_IDS.domain,
  domain: "example.com",
  status: "active",
  dns_records: [...exampleRecords],
  require_dkim: true,
  created_at: EXAMPLE_TIMES.created,
  verified_at: EXAMPLE_TIMES.received,
  checked_at: EXAMPLE_TIMES.later,
  failure_reason: null,
  catch_all_account_id: null,
  dns_warning: null,
} as const satisfies Domain;

example(zDnsRecord, exampleRecords[0]);
example(zDomain, exampleDomain);
example(zCreateDomainInput, { domain: "example.com" });
example(zDeleteDomainInput.shape.force, "true");
example(zVerifyDomainInput, { id: EXAMPLE_IDS.domain, require_dkim: true });
example(zUpdateDomainInput, { id: EXAMPLE_IDS.domain, catch_all_account_id: EXAMPLE_IDS.mailbox });
example(zListDomainsOutput, { domains: [exampleDomain], total: 1, next_cursor: null });
example(zDomainDns, { domain: "example.com", records: [...exampleRecords], warning: null });
example(zDnsRecordCheck, {
  ...exampleRecords[0],
  required: true,
  found: true,
  observed: ["10 mx.mail.example.net"],
  error: null,
  reason: null,
});
example(zDomainVerification, {
  id: EXAMPLE_IDS.domain,
  domain: "example.com",
  status: "pending_verification",
  checked_at: EXAMPLE_TIMES.later,
  records: [
    { ...exampleRecords[0], required: true, found: true, observed: ["10 mx.mail.example.net"], error: null, reason: null },
    {
      ...exampleRecords[5],
      required: true,
      found: false,
      observed: [],
      error: null,
      reason: "No TXT record at _mailroom-verify.example.com",
    },
  ],
});
example(zSystemDomain, { domain: "ig.do", premium: false, available: true });
example(zSystemDomainsOutput, {
  domains: [
    { domain: "ig.do", premium: false, available: true },
    { domain: "kfc.sh", premium: true, available: false },
  ],
});
