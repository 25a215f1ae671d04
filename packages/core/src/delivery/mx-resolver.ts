import { Resolver } from "node:dns/promises";
import { isIP } from "node:net";

/** One host to try, in order: `address` to connect to, `name` for TLS (SNI) and logs. */
export interface MxTarget {
  name: string;
  address: string;
}

export type MxLookup =
  | { kind: "hosts"; hosts: MxTarget[] }
  /** The domain says it takes no mail (null MX, RFC 7505) or does not exist. */
  | { kind: "none"; reason: string }
  /** DNS did not answer: try again later. */
  | { kind: "temporary"; reason: string };

const DNS_TIMEOUT_MS = 3000;

/**
 * The hosts that take mail for `domain`, best first, looked up on the configured DNS servers:
 * MX records by preference; no MX → the domain itself (RFC 5321 §5.1). Host names are resolved
 * here too (A, then AAAA), on the same servers, so a private test zone works end to end.
 */
export async function lookupMx(domain: string, servers: readonly string[]): Promise<MxLookup> {
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);

  let exchanges: string[];
  let implicitMx = false;
  try {
    const records = await resolver.resolveMx(domain);
    if (records.length === 1 && (records[0]!.exchange === "" || records[0]!.exchange === ".")) {
      return { kind: "none", reason: `${domain} accepts no mail (null MX)` };
    }
    exchanges = records.sort((a, b) => a.priority - b.priority).map((r) => r.exchange);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOTFOUND") return { kind: "none", reason: `${domain} does not exist (NXDOMAIN)` };
    if (code !== "ENODATA") return { kind: "temporary", reason: `MX look-up for ${domain} failed: ${dnsFailure(code, err)}` };
    exchanges = [domain];
    implicitMx = true;
  }

  const hosts: MxTarget[] = [];
  const failures: Exclude<HostAddresses, { kind: "found" }>[] = [];
  for (const name of exchanges) {
    if (isIP(name)) {
      hosts.push({ name, address: name });
      continue;
    }
    const found = await resolveHost(resolver, name);
    if (found.kind === "found") for (const address of found.addresses) hosts.push({ name, address });
    else failures.push(found);
  }
  if (hosts.length > 0) return { kind: "hosts", hosts };
  const temporary = failures.find((f) => f.kind === "temporary");
  if (temporary) return { kind: "temporary", reason: temporary.reason };
  const reason = failures.map((f) => f.reason).join("; ") || `no mail host for ${domain}`;
  // No MX and no address: the domain takes no mail (RFC 5321 §5.1). Named MX hosts without an
  // address are more likely a DNS change in progress: try again later.
  return implicitMx ? { kind: "none", reason: `${domain} has no MX record and no address` } : { kind: "temporary", reason };
}

type HostAddresses =
  | { kind: "found"; addresses: string[] }
  /** NXDOMAIN, or NODATA for both A and AAAA: the name has no address. */
  | { kind: "none"; reason: string }
  /** SERVFAIL, a timeout, a refusal: DNS did not say. */
  | { kind: "temporary"; reason: string };

/**
 * A, then AAAA. NODATA for one family tries the other; NXDOMAIN means the name does not exist at
 * all; any other failure (SERVFAIL, timeout) is not an answer, so "no address" is never concluded
 * from it.
 */
async function resolveHost(resolver: Resolver, name: string): Promise<HostAddresses> {
  let failure: string | undefined;
  for (const [family, type] of [
    ["resolve4", "A"],
    ["resolve6", "AAAA"],
  ] as const) {
    try {
      const found = await resolver[family](name);
      if (found.length > 0) return { kind: "found", addresses: found };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOTFOUND") return { kind: "none", reason: `${name} does not exist (NXDOMAIN)` };
      if (code !== "ENODATA") failure ??= `${type} look-up for ${name} failed: ${dnsFailure(code, err)}`;
    }
  }
  return failure ? { kind: "temporary", reason: failure } : { kind: "none", reason: `${name} has no address` };
}

/** `ESERVFAIL` → `SERVFAIL`: the DNS word, as operators know it. */
function dnsFailure(code: string | undefined, err: unknown): string {
  if (!code) return String(err);
  return code === "ETIMEOUT" ? "timeout" : code.replace(/^E/, "");
}
