import { randomBytes } from "node:crypto";
import type { TestDnsServer } from "./dns-server.js";
import { activeTestDomain, uniqueDomain } from "./test-domains.js";
import type { TestServer } from "./test-server.js";

export interface SendingTenant {
  id: string;
  key: string;
  /** An active custom domain of the tenant (DKIM record published on the loopback DNS). */
  domain: string;
}

/** A tenant with an active domain, whose mail the server's worker delivers (`deliveryTenants`). */
export async function sendingTenant(
  server: TestServer,
  dns: TestDnsServer,
  deliveryTenants: Set<string> | undefined,
): Promise<SendingTenant> {
  const tenant = await server.createTenant("pro");
  deliveryTenants?.add(tenant.id);
  const domain = await activeTestDomain(server, dns, tenant.api_key, uniqueDomain("send"));
  return { id: tenant.id, key: tenant.api_key, domain: domain.domain };
}

/** A remote domain whose MX is 127.0.0.1 on the loopback DNS server. */
export function remoteDomain(dns: TestDnsServer): string {
  const name = `remote-${randomBytes(4).toString("hex")}.test`;
  dns.add(name, { type: "MX", value: `mx.${name}`, priority: 10 });
  dns.add(`mx.${name}`, { type: "A", value: "127.0.0.1" });
  return name;
}

export async function deliveryOf(server: TestServer, key: string, messageId: string, recipient?: string) {
  const res = await server.call("GET", `/api/v1/messages/${messageId}`, { key });
  if (res.status !== 200) throw new Error(`GET message: ${res.status} ${JSON.stringify(res.body)}`);
  const deliveries = res.body.deliveries as {
    recipient: string;
    status: string;
    attempts: number;
    last_response: string | null;
    next_attempt_at: string | null;
  }[];
  return recipient ? deliveries.find((d) => d.recipient === recipient)! : deliveries[0]!;
}
