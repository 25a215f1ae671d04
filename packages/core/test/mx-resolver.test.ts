import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The loopback DNS server the API tests use: a real resolver talking to a real server.
import { TestDnsServer } from "../../../apps/api/test/support/dns-server.js";
import { lookupMx } from "../src/delivery/mx-resolver.js";

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await TestDnsServer.start();
});
afterAll(() => dns.stop());

let counter = 0;
const zone = () => `mx${++counter}-${Date.now().toString(36)}.test`;

describe("MX host addresses (lookupMx)", () => {
  it("uses AAAA when the host has no A record (NODATA), best preference first", async () => {
    const domain = zone();
    dns.set(domain, "MX", [
      { type: "MX", value: `b.${domain}`, priority: 20 },
      { type: "MX", value: `a.${domain}`, priority: 10 },
    ]);
    dns.set(`a.${domain}`, "AAAA", [{ type: "AAAA", value: "::1" }]);
    dns.set(`b.${domain}`, "A", [{ type: "A", value: "127.0.0.1" }]);
    expect(await lookupMx(domain, [dns.address])).toEqual({
      kind: "hosts",
      hosts: [
        { name: `a.${domain}`, address: "::1" },
        { name: `b.${domain}`, address: "127.0.0.1" },
      ],
    });
  });

  it("treats SERVFAIL for the MX host as temporary, never as 'no address'", async () => {
    const domain = zone();
    dns.set(domain, "MX", [{ type: "MX", value: `mx.${domain}`, priority: 10 }]);
    dns.set(`mx.${domain}`, "A", [{ type: "A", value: "127.0.0.1" }]);
    dns.servfail(`mx.${domain}`);
    expect(await lookupMx(domain, [dns.address])).toEqual({
      kind: "temporary",
      reason: `A look-up for mx.${domain} failed: SERVFAIL`,
    });
    // One failing host does not hide a working one.
    dns.add(domain, { type: "MX", value: `backup.${domain}`, priority: 20 });
    dns.set(`backup.${domain}`, "A", [{ type: "A", value: "127.0.0.2" }]);
    expect(await lookupMx(domain, [dns.address])).toEqual({
      kind: "hosts",
      hosts: [{ name: `backup.${domain}`, address: "127.0.0.2" }],
    });
  });

  it("with no MX: the domain's own address; no address at all (NODATA) means no mail; SERVFAIL means later", async () => {
    const domain = zone();
    dns.set(domain, "A", [{ type: "A", value: "127.0.0.1" }]);
    expect(await lookupMx(domain, [dns.address])).toEqual({ kind: "hosts", hosts: [{ name: domain, address: "127.0.0.1" }] });

    const bare = zone();
    dns.set(bare, "TXT", [{ type: "TXT", value: "v=spf1 -all" }]);
    expect(await lookupMx(bare, [dns.address])).toEqual({ kind: "none", reason: `${bare} has no MX record and no address` });

    dns.servfail(bare);
    expect(await lookupMx(bare, [dns.address])).toEqual({ kind: "temporary", reason: `MX look-up for ${bare} failed: SERVFAIL` });
  });

  it("an MX host that does not exist (NXDOMAIN) is retried later, with the reason", async () => {
    const domain = zone();
    dns.set(domain, "MX", [{ type: "MX", value: `gone.${domain}`, priority: 10 }]);
    expect(await lookupMx(domain, [dns.address])).toEqual({
      kind: "temporary",
      reason: `gone.${domain} does not exist (NXDOMAIN)`,
    });
  });
});
