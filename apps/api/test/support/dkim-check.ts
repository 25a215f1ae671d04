import { Resolver } from "node:dns/promises";
import { createRequire } from "node:module";

interface DkimResult {
  signingDomain?: string;
  status: { result: string };
}

const require = createRequire(import.meta.url);
// mailauth 4.x ships no types; this is the one call the tests make.
const { authenticate } = require("mailauth") as {
  authenticate(raw: Buffer, options: Record<string, unknown>): Promise<{ dkim: { results?: DkimResult[] } }>;
};

/** The DKIM verdicts mailauth gives `raw`, looking keys up on the loopback DNS server. */
export async function verifyDkim(raw: Buffer, dnsAddress: string): Promise<DkimResult[]> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([dnsAddress]);
  const result = await authenticate(raw, {
    ip: "127.0.0.1",
    helo: "localhost",
    sender: "",
    mta: "test.local",
    resolver: (name: string, rrtype: string) => resolver.resolve(name, rrtype),
    disableArc: true,
    disableDmarc: true,
    disableBimi: true,
  });
  return result.dkim.results ?? [];
}
