import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config.js";

describe("sending configuration", () => {
  it("has defaults: no relay, 48 h, the retry schedule, port 25, no insecure AUTH, 25 MiB", () => {
    const c = parseConfig({});
    expect(c.sending).toEqual({
      relay: null,
      maxDeliveryHours: 48,
      retryScheduleSeconds: [60, 300, 900, 3600, 14400],
      mxPort: 25,
      allowInsecureAuth: false,
      concurrency: 32,
    });
    expect(c.smtp.maxMessageBytes).toBe(26214400);
  });

  it("parses a relay URL with credentials, and the schedule as data", () => {
    const c = parseConfig({
      SMTP_RELAY_URL: "smtps://me%40x.com:p%3Ass@relay.example.com",
      MAILROOM_RETRY_SCHEDULE: "5, 10,20",
      MAILROOM_MAX_DELIVERY_HOURS: "0.5",
      SUBMISSION_ALLOW_INSECURE_AUTH: "true",
      MAILROOM_MX_PORT: "2526",
    });
    expect(c.sending.relay).toEqual({ host: "relay.example.com", port: 465, secure: true, user: "me@x.com", pass: "p:ss" });
    expect(c.sending.retryScheduleSeconds).toEqual([5, 10, 20]);
    expect(c.sending.maxDeliveryHours).toBe(0.5);
    expect(c.sending.allowInsecureAuth).toBe(true);
    expect(c.sending.mxPort).toBe(2526);
    expect(parseConfig({ SMTP_RELAY_URL: "smtp://relay:2525" }).sending.relay).toEqual({
      host: "relay",
      port: 2525,
      secure: false,
      user: null,
      pass: null,
    });
  });

  it("refuses bad values, naming them", () => {
    expect(() => parseConfig({ SMTP_RELAY_URL: "http://x" })).toThrow(/SMTP_RELAY_URL/);
    expect(() => parseConfig({ MAILROOM_RETRY_SCHEDULE: "60,soon" })).toThrow(/MAILROOM_RETRY_SCHEDULE/);
    expect(() => parseConfig({ MAILROOM_MAX_DELIVERY_HOURS: "0" })).toThrow(ConfigError);
    for (const bad of ["-1", "1001", "2.5", "many"]) {
      expect(() => parseConfig({ MAILROOM_DELIVERY_CONCURRENCY: bad })).toThrow(/MAILROOM_DELIVERY_CONCURRENCY/);
    }
    expect(() => parseConfig({ MAILROOM_DELIVERY_CONCURRENCY: "-1" })).toThrow(/must be 0 \(no delivery worker\) to 1000/);
  });

  it("takes MAILROOM_DELIVERY_CONCURRENCY=0: a process without a delivery worker", () => {
    expect(parseConfig({ MAILROOM_DELIVERY_CONCURRENCY: "0" }).sending.concurrency).toBe(0);
  });
});
