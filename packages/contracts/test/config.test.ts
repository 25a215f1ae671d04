import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../src/config.js";

describe("configuration", () => {
  it("has working defaults for an empty environment", () => {
    const c = parseConfig({});
    expect(c.http).toEqual({ host: "127.0.0.1", port: 3000, requestTimeoutMs: 300_000, maxConnections: 5000 });
    expect(c.smtp).toEqual({
      host: "127.0.0.1",
      port: 2525,
      submissionPort: 2587,
      maxMessageBytes: 26214400,
      tls: null,
      greetPauseMs: 100,
      limits: {
        maxSessions: 500,
        maxSessionsPerIp: 20,
        connectionsPerIpPerMinute: 120,
        memoryBytes: 64 * 1024 * 1024,
        idleTimeoutMs: 300_000,
        dataTimeoutMs: 600_000,
        maxBadRecipients: 20,
      },
    });
    expect(c.dnsServers).toEqual([]);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toBe("./.mailroom");
    expect(c.systemDomains).toEqual([{ domain: "mailroom.localhost", premium: false }]);
    expect(c.rateLimits).toEqual({ free: 1000, pro: 5000, lifetime: 10000 });
  });

  it("parses lists and per-plan numbers, treating empty variables as unset", () => {
    const c = parseConfig({
      MAILROOM_SYSTEM_DOMAINS: "ig.do, KFC.sh:premium,uv.do:premium",
      MAILROOM_RATE_LIMITS: "free:5",
      DATABASE_URL: "",
    });
    expect(c.systemDomains).toEqual([
      { domain: "ig.do", premium: false },
      { domain: "kfc.sh", premium: true },
      { domain: "uv.do", premium: true },
    ]);
    expect(c.rateLimits).toEqual({ free: 5, pro: 5000, lifetime: 10000 });
    expect(c.databaseUrl).toBeUndefined();
  });

  it("reads the HTTP request timeout in seconds, 10 to 3600", () => {
    expect(parseConfig({ MAILROOM_HTTP_REQUEST_TIMEOUT_SECONDS: "60" }).http.requestTimeoutMs).toBe(60_000);
    for (const bad of ["5", "3601", "1.5", "soon"]) {
      expect(() => parseConfig({ MAILROOM_HTTP_REQUEST_TIMEOUT_SECONDS: bad }), bad).toThrow(
        /MAILROOM_HTTP_REQUEST_TIMEOUT_SECONDS/,
      );
    }
  });

  it("caps open HTTP connections at 5000 unless told, and names the range", () => {
    expect(parseConfig({}).http.maxConnections).toBe(5000);
    expect(parseConfig({ MAILROOM_HTTP_MAX_CONNECTIONS: "20" }).http.maxConnections).toBe(20);
    for (const bad of ["9", "1000001", "2.5", "many"]) {
      expect(() => parseConfig({ MAILROOM_HTTP_MAX_CONNECTIONS: bad }), bad).toThrow(/MAILROOM_HTTP_MAX_CONNECTIONS/);
    }
  });

  it("names every bad variable in one error", () => {
    const attempt = () =>
      parseConfig({ PORT: "70000", DATABASE_URL: "mysql://x", MAILROOM_RATE_LIMITS: "gold:1", LOG_LEVEL: "loud" });
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(message).toMatch(/PORT: /);
    expect(message).toContain("DATABASE_URL: must be a postgres:// connection string");
    expect(message).toContain('MAILROOM_RATE_LIMITS: "gold:1" is not <plan>:<whole number>');
    expect(message).toMatch(/LOG_LEVEL: /);
  });

  it("reads the receiving settings: size, TLS files (both or neither), greeting pause, DNS servers", () => {
    const c = parseConfig({
      MAILROOM_MAX_MESSAGE_BYTES: "2048",
      SMTP_TLS_CERT: "/etc/mx/cert.pem",
      SMTP_TLS_KEY: "/etc/mx/key.pem",
      MAILROOM_GREET_PAUSE_MS: "0",
      MAILROOM_DNS_SERVERS: "127.0.0.1:5353, 10.0.0.1,[::1]:53,::1",
    });
    expect(c.smtp.maxMessageBytes).toBe(2048);
    expect(c.smtp.tls).toEqual({ certPath: "/etc/mx/cert.pem", keyPath: "/etc/mx/key.pem" });
    expect(c.smtp.greetPauseMs).toBe(0);
    expect(c.dnsServers).toEqual(["127.0.0.1:5353", "10.0.0.1", "[::1]:53", "::1"]);

    expect(() => parseConfig({ SMTP_TLS_CERT: "/etc/mx/cert.pem" })).toThrow(
      "SMTP_TLS_KEY: set both SMTP_TLS_CERT and SMTP_TLS_KEY, or neither",
    );
    expect(() => parseConfig({ MAILROOM_DNS_SERVERS: "dns.example" })).toThrow(
      'MAILROOM_DNS_SERVERS: "dns.example" is not <ip> or <ip>:<port> (IPv6 as [addr]:port)',
    );
    expect(() => parseConfig({ MAILROOM_GREET_PAUSE_MS: "-1" })).toThrow(/MAILROOM_GREET_PAUSE_MS: /);
  });

  it("reads the SMTP limits, and names the range when one is out of it or not a whole number", () => {
    const c = parseConfig({
      MAILROOM_SMTP_MAX_SESSIONS: "3",
      MAILROOM_SMTP_MAX_SESSIONS_PER_IP: "2",
      MAILROOM_SMTP_CONNECTIONS_PER_IP_PER_MINUTE: "5",
      MAILROOM_SMTP_MEMORY_BYTES: "65536",
      MAILROOM_SMTP_IDLE_TIMEOUT_S: "1",
      MAILROOM_SMTP_DATA_TIMEOUT_S: "2",
      MAILROOM_SMTP_MAX_BAD_RECIPIENTS: "1",
    });
    expect(c.smtp.limits).toEqual({
      maxSessions: 3,
      maxSessionsPerIp: 2,
      connectionsPerIpPerMinute: 5,
      memoryBytes: 65536,
      idleTimeoutMs: 1000,
      dataTimeoutMs: 2000,
      maxBadRecipients: 1,
    });

    const bad: [string, string, string][] = [
      ["MAILROOM_SMTP_MAX_SESSIONS", "0", "must be a whole number from 1 to 100000"],
      ["MAILROOM_SMTP_MAX_SESSIONS", "2.5", "must be a whole number from 1 to 100000"],
      ["MAILROOM_SMTP_MAX_SESSIONS_PER_IP", "-1", "must be a whole number from 1 to 100000"],
      ["MAILROOM_SMTP_CONNECTIONS_PER_IP_PER_MINUTE", "0", "must be a whole number from 1 to 1000000"],
      ["MAILROOM_SMTP_MEMORY_BYTES", "1024", "must be a whole number from 65536 to 68719476736 (bytes, at least 64 KiB)"],
      ["MAILROOM_SMTP_IDLE_TIMEOUT_S", "3601", "must be a whole number from 1 to 3600 (seconds)"],
      ["MAILROOM_SMTP_DATA_TIMEOUT_S", "soon", "must be a whole number from 1 to 86400 (seconds)"],
      ["MAILROOM_SMTP_MAX_BAD_RECIPIENTS", "0", "must be a whole number from 1 to 10000"],
    ];
    for (const [name, value, message] of bad) {
      expect(() => parseConfig({ [name]: value }), `${name}=${value}`).toThrow(`${name}: ${message}`);
    }
  });

  it("reads the POP3 ports and limits: POP3S only with a certificate, off turns a listener off", () => {
    const defaults = parseConfig({});
    expect(defaults.pop3).toEqual({
      host: "127.0.0.1",
      port: 2110,
      tlsPort: null,
      limits: { maxSessions: 500, maxSessionsPerIp: 20, connectionsPerIpPerMinute: 120, idleTimeoutMs: 600_000 },
    });
    const tls = { SMTP_TLS_CERT: "/etc/mx/cert.pem", SMTP_TLS_KEY: "/etc/mx/key.pem" };
    expect(parseConfig(tls).pop3.tlsPort).toBe(2995);
    expect(parseConfig({ ...tls, POP3S_PORT: "off", POP3_PORT: "0", SMTP_HOST: "::" }).pop3).toMatchObject({
      host: "::",
      port: 0,
      tlsPort: null,
    });
    expect(parseConfig({ POP3_PORT: "off" }).pop3.port).toBeNull();
    const c = parseConfig({
      MAILROOM_POP3_MAX_SESSIONS: "3",
      MAILROOM_POP3_MAX_SESSIONS_PER_IP: "2",
      MAILROOM_POP3_CONNECTIONS_PER_IP_PER_MINUTE: "5",
      MAILROOM_POP3_IDLE_TIMEOUT_S: "1",
    });
    expect(c.pop3.limits).toEqual({ maxSessions: 3, maxSessionsPerIp: 2, connectionsPerIpPerMinute: 5, idleTimeoutMs: 1000 });

    const bad: [string, string, string][] = [
      ["POP3_PORT", "pop3", "must be a port number (0 = any free port) or off"],
      ["POP3S_PORT", "70000", "must be a port number (0 = any free port) or off"],
      ["MAILROOM_POP3_MAX_SESSIONS", "0", "must be a whole number from 1 to 100000"],
      ["MAILROOM_POP3_MAX_SESSIONS_PER_IP", "1.5", "must be a whole number from 1 to 100000"],
      ["MAILROOM_POP3_CONNECTIONS_PER_IP_PER_MINUTE", "0", "must be a whole number from 1 to 1000000"],
      ["MAILROOM_POP3_IDLE_TIMEOUT_S", "86401", "must be a whole number from 1 to 86400 (seconds)"],
    ];
    for (const [name, value, message] of bad) {
      expect(() => parseConfig({ [name]: value }), `${name}=${value}`).toThrow(`${name}: ${message}`);
    }
  });

  it("reads the process count and roles: auto and every role unless told; the embedded database takes one process", () => {
    const plain = parseConfig({});
    expect(plain.processes).toBe("auto");
    expect([...plain.roles]).toEqual(["api", "mx", "submission", "imap", "pop3", "delivery", "webhooks", "jobs"]);
    expect(plain.jobIntervalMs).toBeNull();
    const pg = { DATABASE_URL: "postgres://root@127.0.0.1/mail" };
    expect(parseConfig({ ...pg, MAILROOM_PROCESSES: "4" }).processes).toBe(4);
    expect(parseConfig({ ...pg, MAILROOM_PROCESSES: "auto" }).processes).toBe("auto");
    expect(parseConfig({ MAILROOM_PROCESSES: "1" }).processes).toBe(1);
    expect([...parseConfig({ MAILROOM_ROLES: " MX, api ,mx" }).roles]).toEqual(["mx", "api"]);
    expect(parseConfig({ MAILROOM_JOB_INTERVAL_SECONDS: "5" }).jobIntervalMs).toBe(5000);

    const bad: [Record<string, string>, string][] = [
      [{ ...pg, MAILROOM_PROCESSES: "0" }, "MAILROOM_PROCESSES: must be auto or a whole number from 1 to 256"],
      [{ ...pg, MAILROOM_PROCESSES: "many" }, "MAILROOM_PROCESSES: must be auto or a whole number from 1 to 256"],
      [{ MAILROOM_PROCESSES: "2" }, "MAILROOM_PROCESSES: more than one process needs PostgreSQL (set DATABASE_URL)"],
      [{ MAILROOM_ROLES: "api,foo,bar" }, 'MAILROOM_ROLES: unknown role "foo", "bar" (roles: api, mx, submission,'],
      [{ MAILROOM_ROLES: " , ," }, "MAILROOM_ROLES: must name at least one role"],
      [{ MAILROOM_JOB_INTERVAL_SECONDS: "0" }, "MAILROOM_JOB_INTERVAL_SECONDS: must be a whole number from 1 to 86400"],
    ];
    for (const [env, message] of bad) {
      expect(() => parseConfig(env), JSON.stringify(env)).toThrow(ConfigError);
      expect(() => parseConfig(env), JSON.stringify(env)).toThrow(message);
    }
  });
});
