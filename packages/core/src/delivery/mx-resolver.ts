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
  try {
    const records = await resolver.resolveMx(domain);
    if (records.length === 1 && (records[0]!.exchange === "" || records[0]!.exchange === ".")) {
      return { kind: "none", reason: `${domain} accepts no mail (null MX)` };
    }
    exchanges = records.sort((a, b) => a.priority - b.priority).map((r) => r.exchange);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "ENOTFOUND") return { kind: "none", reason: `${domain} does not exist (NXDOMAIN)` };
    if (code !== "ENODATA") return { kind: "temporary", reason: `MX lookup for ${domain} failed: ${code ?? err}` };
    exchanges = [domain];
  }

  const hosts: MxTarget[] = [];
  let lastFailure = "";
  for (const name of exchanges) {
    if (isIP(name)) {
      hosts.push({ name, address: name });
      continue;
    }
    const addresses = await resolveHost(resolver, name);
    if (addresses.length === 0) lastFailure = `${name} has no address`;
    for (const address of addresses) hosts.push({ name, address });
  }
  if (hosts.length === 0) return { kind: "temporary", reason: lastFailure || `no mail host for ${domain}` };
  return { kind: "hosts", hosts };
}

async function resolveHost(resolver: Resolver, name: string): Promise<string[]> {
  for (const family of ["resolve4", "resolve6"] as const) {
    try {
      const found = await resolver[family](name);
      if (found.length > 0) return found;
    } catch {
      // try the other family
    }
  }
  return [];
}
