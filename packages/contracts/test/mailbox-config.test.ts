import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_RESERVED_PREFIXES, parseConfig } from "../src/index.js";

describe("mailbox configuration", () => {
  it("defaults to the plan quotas and the issue's reserved prefixes", () => {
    const config = parseConfig({});
    expect(config.mailboxQuotas).toEqual({ free: 50, pro: 1000, lifetime: null });
    expect(config.reservedPrefixes).toEqual(DEFAULT_RESERVED_PREFIXES);
    expect(config.reservedPrefixes).toContain("mailer-daemon");
  });

  it("reads MAILROOM_MAILBOX_QUOTAS per plan, allowing unlimited", () => {
    const config = parseConfig({ MAILROOM_MAILBOX_QUOTAS: "free:3, pro:unlimited" });
    expect(config.mailboxQuotas).toEqual({ free: 3, pro: null, lifetime: null });
    expect(parseConfig({ MAILROOM_MAILBOX_QUOTAS: "lifetime:10" }).mailboxQuotas.lifetime).toBe(10);
  });

  it("names a bad quota; rate limits still refuse unlimited", () => {
    expect(() => parseConfig({ MAILROOM_MAILBOX_QUOTAS: "free:lots" })).toThrow(
      new ConfigError('Invalid configuration:\n  MAILROOM_MAILBOX_QUOTAS: "free:lots" is not <plan>:<whole number or unlimited>'),
    );
    expect(() => parseConfig({ MAILROOM_MAILBOX_QUOTAS: "gold:5" })).toThrow(ConfigError);
    expect(() => parseConfig({ MAILROOM_RATE_LIMITS: "free:unlimited" })).toThrow(/MAILROOM_RATE_LIMITS/);
  });

  it("reads MAILROOM_RESERVED_PREFIXES as a lower-cased comma list", () => {
    expect(parseConfig({ MAILROOM_RESERVED_PREFIXES: " Sales, billing ,," }).reservedPrefixes).toEqual(["sales", "billing"]);
  });
});
