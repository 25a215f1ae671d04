import { randomBytes } from "node:crypto";
import type { TestDnsServer, ZoneRecord } from "./dns-server.js";
import type { TestServer } from "./test-server.js";

export interface DnsRecord {
  type: "MX" | "TXT" | "CNAME";
  host: string;
  value: string;
  priority?: number;
}

export interface AddedDomain {
  id: string;
  domain: string;
  status: string;
  dns_records: DnsRecord[];
}

/** Add a domain through the API; it starts pending. */
export async function addTestDomain(server: TestServer, apiKey: string, name: string): Promise<AddedDomain> {
  const res = await server.call("POST", "/api/v1/domains", { key: apiKey, body: { domain: name } });
  if (res.status !== 201) throw new Error(`add domain failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as AddedDomain;
}

/** Publish every record the domain asks for on the loopback DNS server. */
export function publishDomainRecords(dns: TestDnsServer, added: Pick<AddedDomain, "domain" | "dns_records">): void {
  for (const r of added.dns_records) {
    const name = r.host === "@" ? added.domain : `${r.host}.${added.domain}`;
    const record: ZoneRecord =
      r.type === "MX" ? { type: "MX", value: r.value, priority: r.priority ?? 10 } : { type: r.type, value: r.value };
    dns.add(name, record);
  }
}

/** Add, publish and verify through the API: a domain that is really active. */
export async function activeTestDomain(
  server: TestServer,
  dns: TestDnsServer,
  apiKey: string,
  name: string,
): Promise<AddedDomain> {
  const added = await addTestDomain(server, apiKey, name);
  publishDomainRecords(dns, added);
  const verified = await server.call("POST", `/api/v1/domains/${added.id}/verify`, { key: apiKey });
  if (verified.body?.status !== "active") throw new Error(`verify failed: ${JSON.stringify(verified.body)}`);
  return { ...added, status: "active" };
}

/** A domain name no other test uses. */
export function uniqueDomain(label = "example"): string {
  return `${label}-${randomBytes(4).toString("hex")}.test`;
}

/** A local part no other test uses (4–64 characters). */
export function uniqueLocal(label = "box"): string {
  return `${label}${randomBytes(4).toString("hex")}`;
}
