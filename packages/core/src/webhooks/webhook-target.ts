import { lookup, Resolver } from "node:dns/promises";
import type { LookupFunction } from "node:net";
import { MAX_WEBHOOK_URL_LENGTH, type MailroomConfig, MailroomError } from "@mailroom/contracts";
import ipaddr from "ipaddr.js";

/*
 * Where a webhook may go (server-side request forgery): only http(s), and only to public unicast
 * addresses, checked after DNS resolution and then connected to as checked, so a name that
 * resolves differently a moment later (DNS rebinding) cannot swap the address.
 */

/** Cloud metadata services: link-local and unique-local already, named so the refusal says so. */
const METADATA_ADDRESSES = new Set(["169.254.169.254", "fd00:ec2::254"].map((a) => ipaddr.parse(a).toNormalizedString()));

/** A URL a webhook may be registered with, or WEBHOOK_URL_INVALID. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MailroomError("WEBHOOK_URL_INVALID", "The webhook URL does not parse as a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new MailroomError("WEBHOOK_URL_INVALID", `The webhook URL must be http:// or https://, not ${url.protocol}//`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new MailroomError("WEBHOOK_URL_INVALID", "The webhook URL must not carry a user name or password");
  }
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new MailroomError("WEBHOOK_URL_INVALID", `The webhook URL must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  }
  return url;
}

/** Why an address may not be a target, or undefined when it may. */
export function forbiddenAddressReason(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return "not an IP address";
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  if (METADATA_ADDRESSES.has(ip.toNormalizedString())) return "a cloud metadata address";
  const range = ip.range();
  // Only globally routed unicast: private, loopback, link-local, unique-local, CGNAT, multicast,
  // unspecified, reserved, and the translation prefixes that embed an IPv4 address are all refused.
  return range === "unicast" ? undefined : `a ${range} address`;
}

export type TargetCheck = { ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string; unresolved: boolean };

export interface TargetPolicy {
  allowPrivate: boolean;
  /** The configured resolvers (MAILROOM_DNS_SERVERS); empty = the system's (getaddrinfo). */
  dnsServers: readonly string[];
}

/** Where webhooks may go, from the configuration. */
export function targetPolicy(config: MailroomConfig): TargetPolicy {
  return { allowPrivate: config.webhooks.allowPrivate, dnsServers: config.dnsServers };
}

/** Every address of `host`: from the configured resolvers when there are any, else the system's. */
async function addressesOf(host: string, dnsServers: readonly string[]): Promise<{ address: string; family: number }[]> {
  // RFC 6761: localhost names are loopback, whatever a resolver would say of them.
  if (host === "localhost" || host.endsWith(".localhost")) {
    return [
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 },
    ];
  }
  if (dnsServers.length === 0) return lookup(host, { all: true, verbatim: true });
  const resolver = new Resolver({ timeout: 3000, tries: 2 });
  resolver.setServers([...dnsServers]);
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const found = [
    ...(v4.status === "fulfilled" ? v4.value.map((address) => ({ address, family: 4 })) : []),
    ...(v6.status === "fulfilled" ? v6.value.map((address) => ({ address, family: 6 })) : []),
  ];
  if (found.length === 0 && v4.status === "rejected") throw v4.reason;
  return found;
}

/** The address to connect to for `url`: the first one DNS gives, once every one it gives is allowed. */
export async function vetTarget(url: URL, policy: TargetPolicy): Promise<TargetCheck> {
  const { allowPrivate } = policy;
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: host.includes(":") ? 6 : 4 }];
  } else {
    try {
      addresses = await addressesOf(host, policy.dnsServers);
    } catch (err) {
      return {
        ok: false,
        reason: `DNS lookup of ${host} failed: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
        unresolved: true,
      };
    }
    if (addresses.length === 0) return { ok: false, reason: `DNS lookup of ${host} found no address`, unresolved: true };
  }
  if (!allowPrivate) {
    for (const { address } of addresses) {
      const why = forbiddenAddressReason(address);
      if (why) return { ok: false, reason: `${host} is ${address === host ? "" : `${address}, `}${why}`, unresolved: false };
    }
  }
  const first = addresses[0]!;
  return { ok: true, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * The check at create and update time: literal addresses and names that resolve must be allowed.
 * A name that does not resolve (yet) is accepted; every delivery checks again.
 */
export async function assertAllowedTarget(url: URL, policy: TargetPolicy): Promise<void> {
  const check = await vetTarget(url, policy);
  if (!check.ok && !check.unresolved) {
    throw new MailroomError(
      "WEBHOOK_TARGET_FORBIDDEN",
      `The webhook URL points to an address this server does not send to: ${check.reason}`,
    );
  }
}

/** A `lookup` for http.request that answers with the vetted address only (no second resolution). */
export function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}
