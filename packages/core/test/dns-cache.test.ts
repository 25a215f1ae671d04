import { describe, expect, it } from "vitest";
import { cachingResolver } from "../src/messages/dns-cache.js";

function dnsError(code: string): Error {
  return Object.assign(new Error(`queryTxt ${code}`), { code });
}

describe("the auth-check resolver cache", () => {
  it("asks once for repeated and concurrent questions, case-insensitively, until the TTL passes", async () => {
    let clock = 0;
    const asked: string[] = [];
    const resolve = cachingResolver(
      async (name, rrtype) => {
        asked.push(`${rrtype} ${name}`);
        return [["v=spf1 -all"]];
      },
      () => clock,
    );
    const answers = await Promise.all([resolve("example.org", "TXT"), resolve("EXAMPLE.org", "TXT")]);
    expect(answers).toEqual([[["v=spf1 -all"]], [["v=spf1 -all"]]]);
    await resolve("example.org", "TXT");
    await resolve("example.org", "MX");
    expect(asked).toEqual(["TXT example.org", "MX example.org"]);
    clock = 60_001;
    await resolve("example.org", "TXT");
    expect(asked).toHaveLength(3);
  });

  it("remembers that a record does not exist, but asks again after a failed look-up", async () => {
    let calls = 0;
    const failures = ["ENODATA", "ESERVFAIL", "ETIMEOUT"];
    const resolve = cachingResolver(async () => {
      throw dnsError(failures[Math.min(calls++, failures.length - 1)]!);
    });
    await expect(resolve("_dmarc.a.example", "TXT")).rejects.toMatchObject({ code: "ENODATA" });
    await expect(resolve("_dmarc.a.example", "TXT")).rejects.toMatchObject({ code: "ENODATA" });
    expect(calls).toBe(1);

    await expect(resolve("b.example", "TXT")).rejects.toMatchObject({ code: "ESERVFAIL" });
    await new Promise((r) => setImmediate(r));
    await expect(resolve("b.example", "TXT")).rejects.toMatchObject({ code: "ETIMEOUT" });
    expect(calls).toBe(3);
  });
});
