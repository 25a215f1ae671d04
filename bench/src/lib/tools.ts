import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BENCH, ExitedError, POSTFIX, freePort, waitFor } from "./env.js";
import { run, start, type Managed } from "./processes.js";

const postfixEnv = () => ({ ...process.env, LD_LIBRARY_PATH: join(POSTFIX, "usr/lib/postfix") });

export interface SmtpPeer {
  name: string;
  port: number;
  proc: Managed;
  stop(): Promise<void>;
}

/**
 * Wait until something on `port` greets with a line starting `greeting`, then say `goodbye` and
 * hang up: the peers' readiness check (220 for SMTP, `* OK` for IMAP).
 */
export async function waitForBanner(
  port: number,
  proc: Managed,
  banner: { greeting: string; goodbye: string },
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    `a "${banner.greeting}" greeting on port ${port}`,
    () => {
      if (proc.exited()) return Promise.reject(new ExitedError(`${proc.name} exited:\n${proc.output()}`));
      return new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1");
        socket.setTimeout(2000, () => {
          socket.destroy();
          resolve(false);
        });
        socket.once("data", (d) => {
          socket.end(banner.goodbye);
          resolve(d.toString().startsWith(banner.greeting));
        });
        socket.once("error", () => resolve(false));
      });
    },
    timeoutMs,
    50,
  );
}

/** Wait until something on `port` greets with 220. */
export function waitForGreeting(port: number, proc: Managed, timeoutMs = 30_000): Promise<void> {
  return waitForBanner(port, proc, { greeting: "220", goodbye: "QUIT\r\n" }, timeoutMs);
}

/** Postfix's smtp-sink: accepts everything and discards it, the practical SMTP ceiling here. */
export async function startSmtpSink(): Promise<SmtpPeer> {
  const port = await freePort();
  // -u: the user it drops to (required as root); 1024: listen backlog.
  const proc = start("smtp-sink", join(POSTFIX, "usr/sbin/smtp-sink"), ["-4", "-u", "nobody", `127.0.0.1:${port}`, "1024"], {
    env: postfixEnv(),
  });
  await waitForGreeting(port, proc);
  return { name: "smtp-sink", port, proc, stop: () => proc.stop() };
}

export interface SourceOptions {
  port: number;
  sessions: number;
  messages: number;
  /** Payload bytes (headers not included). */
  length?: number;
  /** Keep each connection for the next message (-d). */
  keepConnections?: boolean;
  from: string;
  to: string;
  timeoutMs?: number;
}

export interface SourceResult {
  ok: boolean;
  messages: number;
  seconds: number;
  perSecond: number;
  error: string;
}

/** Postfix's smtp-source: `-s sessions -m messages`, aborting on any unexpected reply. */
export async function smtpSource(o: SourceOptions): Promise<SourceResult> {
  const args = ["-4", "-s", String(o.sessions), "-m", String(o.messages), "-l", String(o.length ?? 5120)];
  if (o.keepConnections) args.push("-d");
  args.push("-f", o.from, "-t", o.to, "-M", "client.bench.test", `127.0.0.1:${o.port}`);
  const result = await run(join(POSTFIX, "usr/sbin/smtp-source"), args, { env: postfixEnv(), timeoutMs: o.timeoutMs ?? 600_000 });
  const seconds = result.ms / 1000;
  const ok = result.code === 0;
  return {
    ok,
    messages: o.messages,
    seconds,
    perSecond: ok ? o.messages / seconds : 0,
    error: ok ? "" : (result.stderr || result.stdout).trim().slice(0, 300),
  };
}

/**
 * Haraka 3.3.4 (npm) set up as a discarding MX: a config directory made for the run, listening on
 * 127.0.0.1:<random>, with one plugin of ours that accepts every recipient and queues to nowhere.
 * `nodes=0`: one process, no cluster, as our server runs (BENCH_HARAKA_NODES to change it).
 * Haraka looks up every client's PTR record with node's default resolver: a preload points that
 * at the bench's loopback DNS server (NXDOMAIN at once), as MAILROOM_DNS_SERVERS does for ours.
 */
export async function startHaraka(dns: string): Promise<SmtpPeer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "mailroom-bench-haraka-"));
  mkdirSync(join(dir, "plugins"));
  // Haraka's own defaults first (what `haraka -i` installs), then ours over them.
  cpSync(join(BENCH, "node_modules/Haraka/config"), join(dir, "config"), { recursive: true });
  const nodes = process.env.BENCH_HARAKA_NODES ?? "0";
  writeFileSync(join(dir, "config/smtp.ini"), `listen=127.0.0.1:${port}\nnodes=${nodes}\ninactivity_timeout=60\n`);
  writeFileSync(join(dir, "config/me"), "haraka.bench.test\n");
  writeFileSync(join(dir, "config/log.ini"), "[main]\nlevel=warn\ntimestamps=false\nformat=default\n");
  // Only our plugin: no rcpt_to.in_host_list, no mail_from.is_resolvable (no DNS), no smtp_forward.
  writeFileSync(join(dir, "config/plugins"), "bench_accept\n");
  writeFileSync(
    join(dir, "plugins/bench_accept.js"),
    [
      "// Accept every recipient; queue to nowhere (discard).",
      "exports.hook_rcpt = function (next) { next(OK) }",
      "exports.hook_queue = function (next) { next(OK) }",
      "",
    ].join("\n"),
  );
  const preload = join(dir, "dns-preload.cjs");
  writeFileSync(
    preload,
    `const dns = require("node:dns");\ndns.setServers([${JSON.stringify(dns)}]);\ndns.promises.setServers([${JSON.stringify(dns)}]);\n`,
  );
  const bin = join(BENCH, "node_modules/Haraka/bin/haraka");
  const proc = start("haraka", process.execPath, ["--require", preload, bin, "-c", dir], {
    env: { PATH: process.env.PATH ?? "", HOME: dir },
  });
  try {
    await waitForGreeting(port, proc);
  } catch (err) {
    await proc.stop("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    name: "Haraka",
    port,
    proc,
    async stop() {
      await proc.stop("SIGTERM", 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WrkResult {
  ok: boolean;
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: string;
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "us" ? n / 1000 : m[2] === "ms" ? n : m[2] === "s" ? n * 1000 : n * 60_000;
}

/** wrk (Debian) with --latency: req/s, p50 and p99. `script` is a Lua file for POST bodies. */
export async function wrk(o: {
  url: string;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  script?: string;
  threads?: number;
}): Promise<WrkResult> {
  const args = [
    "-t",
    String(o.threads ?? 2),
    "-c",
    String(o.connections),
    "-d",
    `${o.seconds}s`,
    "--latency",
    "--timeout",
    "10s",
  ];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (o.script) args.push("-s", o.script);
  args.push(o.url);
  const r = await run("wrk", args, { timeoutMs: (o.seconds + 30) * 1000 });
  const out = r.stdout;
  const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const p50Ms = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? "");
  const p99Ms = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors:.*/.exec(out)?.[0] ?? "";
  return {
    ok: r.code === 0 && requests > 0,
    requests,
    perSecond,
    p50Ms,
    p99Ms,
    non2xx,
    errors: [socketErrors, r.code === 0 ? "" : r.stderr.trim()].filter(Boolean).join("; "),
  };
}
