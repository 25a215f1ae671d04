import { Resolver } from "node:dns/promises";
import type { DnsRecordCheck } from "@mailroom/contracts";
import { absoluteName, toDnsRecord, type ExpectedRecord } from "./domain-records.js";

/** An answer, or why there is none: "no such record" is an answer, SERVFAIL is not. */
type Lookup = { ok: true; values: string[] } | { ok: false; error: string };

interface Match {
  found: boolean;
  /** Why not found, when something else is published. */
  mismatch?: string;
}

export interface DnsVerifierOptions {
  /** Resolver addresses as setServers takes them; empty = the system's resolvers. */
  servers: string[];
  timeoutMs?: number;
  tries?: number;
}

/** Look every expected record up now and say, record by record, what is published instead. */
export async function checkRecords(
  domain: string,
  hostname: string,
  records: ExpectedRecord[],
  options: DnsVerifierOptions,
): Promise<DnsRecordCheck[]> {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 3000, tries: options.tries ?? 2 });
  if (options.servers.length > 0) resolver.setServers(options.servers);
  const lookups = new Map<string, Promise<Lookup>>();
  // SPF and MX both live at the apex; look each (type, name) up once.
  const lookup = (type: "TXT" | "MX" | "CNAME", name: string) => {
    const key = `${type} ${name}`;
    let pending = lookups.get(key);
    if (!pending) {
      pending = runLookup(resolver, type, name);
      lookups.set(key, pending);
    }
    return pending;
  };

  return Promise.all(
    records.map(async (record): Promise<DnsRecordCheck> => {
      const name = absoluteName(record.host, domain);
      const answer = await lookup(record.type, name);
      const base = { ...toDnsRecord(record), required: record.required };
      if (!answer.ok) {
        return { ...base, found: false, observed: [], error: answer.error, reason: `${name}: ${answer.error}` };
      }
      const observed = relevant(record, answer.values);
      if (observed.length === 0) {
        const what = record.kind === "spf" ? "SPF record (TXT v=spf1 …)" : `${record.type} record`;
        return { ...base, found: false, observed, error: null, reason: `No ${what} at ${name}` };
      }
      const match = matches(record, observed, hostname);
      return { ...base, found: match.found, observed, error: null, reason: match.found ? null : `${match.mismatch}` };
    }),
  );
}

async function runLookup(resolver: Resolver, type: "TXT" | "MX" | "CNAME", name: string): Promise<Lookup> {
  try {
    switch (type) {
      case "TXT":
        // A long TXT record (a DKIM key) arrives as several ≤255-byte strings: one value.
        return { ok: true, values: (await resolver.resolveTxt(name)).map((chunks) => chunks.join("")) };
      case "MX":
        return {
          ok: true,
          values: (await resolver.resolveMx(name))
            .sort((a, b) => a.priority - b.priority)
            .map((mx) => `${mx.priority} ${mx.exchange}`),
        };
      case "CNAME":
        return { ok: true, values: await resolver.resolveCname(name) };
    }
  } catch (err) {
    const code = (err as { code?: string }).code ?? "";
    // NXDOMAIN and "no records of this type": an answer saying the record is not there.
    if (code === "ENOTFOUND" || code === "ENODATA") return { ok: true, values: [] };
    return { ok: false, error: `lookup failed: ${FAILURES[code] ?? (code || String(err))}` };
  }
}

const FAILURES: Record<string, string> = {
  ESERVFAIL: "SERVFAIL",
  EREFUSED: "REFUSED",
  EFORMERR: "FORMERR",
  ETIMEOUT: "timeout",
  ECONNREFUSED: "connection refused",
  EBADRESP: "bad response",
  ENOTIMP: "NOTIMP",
};

/** Of everything at a name, what concerns this record (an apex has many unrelated TXT records). */
function relevant(record: ExpectedRecord, values: string[]): string[] {
  switch (record.kind) {
    case "spf":
      return values.filter((v) => /^v=spf1(\s|$)/i.test(v.trim()));
    case "dmarc":
      return values.filter((v) => /^v=dmarc1\s*(;|$)/i.test(v.trim()));
    default:
      return values;
  }
}

function matches(record: ExpectedRecord, observed: string[], hostname: string): Match {
  const name = `${record.type} ${record.host}`;
  switch (record.kind) {
    case "mx": {
      const ok = observed.some((v) => sameHost(v.split(" ")[1] ?? "", hostname));
      return { found: ok, mismatch: `MX points to ${observed.join(", ")}, not ${hostname}` };
    }
    case "mail_cname": {
      const ok = observed.some((v) => sameHost(v, hostname));
      return { found: ok, mismatch: `CNAME mail points to ${observed.join(", ")}, not ${hostname}` };
    }
    case "spf": {
      // Two SPF records are a permanent error for receivers (RFC 7208 §4.5), whatever they say.
      if (observed.length > 1) return { found: false, mismatch: "More than one SPF record; merge them into one" };
      const terms = observed[0]!.trim().split(/\s+/);
      const ok = terms.some((t) => {
        const m = /^\+?include:(.+)$/i.exec(t);
        return m !== null && sameHost(m[1]!, hostname);
      });
      return { found: ok, mismatch: `SPF record does not include include:${hostname}` };
    }
    case "dkim": {
      const expected = dkimTags(record.value).get("p");
      const ok = observed.some((v) => {
        const tags = dkimTags(v);
        const version = tags.get("v");
        return (version === undefined || version.toUpperCase() === "DKIM1") && tags.get("p") === expected;
      });
      return { found: ok, mismatch: "DKIM record does not carry this domain's public key" };
    }
    case "dmarc":
      return { found: true };
    case "ownership": {
      const ok = observed.some((v) => v.trim() === record.value);
      return { found: ok, mismatch: `${name} does not contain this domain's verification token` };
    }
  }
}

/** DNS names compare case-insensitively, with or without the root's trailing dot. */
function sameHost(a: string, b: string): boolean {
  const norm = (h: string) => h.trim().toLowerCase().replace(/\.$/, "");
  return norm(a) === norm(b);
}

/** `v=DKIM1; k=rsa; p=MII…` → tags; whitespace inside values is folding, not content (RFC 6376 §3.2). */
function dkimTags(value: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of value.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).replace(/\s+/g, ""));
  }
  return tags;
}
