import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { startHttpBaseline } from "../lib/baselines.js";
import { log, scaled } from "../lib/env.js";
import { api as apiCall, createTenantWithMailbox, sendApiAvailable, startMailroom, type Tenant } from "../lib/mailroom.js";
import { createDatabase, withClient } from "../lib/postgres.js";
import { seedInboxSql } from "../lib/seed.js";
import { judge, type Row } from "../lib/table.js";
import { wrk, type WrkResult } from "../lib/tools.js";
import type { BenchContext } from "./context.js";

const INBOX_TARGET = "≥ 0.7× raw, p99 < 50 ms";

function inboxLoad(url: string, key: string | undefined): Promise<WrkResult> {
  return wrk({ url, connections: 50, seconds: scaled(15, 2), headers: key ? { authorization: `Bearer ${key}` } : {} });
}

function describe(r: WrkResult): string {
  return `${r.perSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms${r.non2xx ? `, ${r.non2xx} non-2xx` : ""}${r.errors ? `, ${r.errors}` : ""}`;
}

/** A wrk Lua script that POSTs `body` as JSON. */
function postScript(dir: string, body: unknown, key: string | undefined): string {
  const file = join(dir, "post.lua");
  const headers = [
    `wrk.headers["Content-Type"] = "application/json"`,
    key ? `wrk.headers["Authorization"] = "Bearer ${key}"` : "",
  ];
  writeFileSync(file, [`wrk.method = "POST"`, `wrk.body = ${JSON.stringify(JSON.stringify(body))}`, ...headers, ""].join("\n"));
  return file;
}

/**
 * Inbox read (50 newest of 100k) and send with a hosted recipient, c=50, our API against the raw
 * node:http + pg baseline on the same database; the inbox on PGlite too, where a restart with the
 * 100k messages is also the start-up figure with existing data.
 */
export async function api(ctx: BenchContext): Promise<Row[]> {
  const rows: Row[] = [];
  const seedCount = scaled(100_000, 2000);
  const db = await createDatabase("api");
  const work = mkdtempSync(join(tmpdir(), "mailroom-bench-api-"));
  try {
    const server = await startMailroom({ store: { kind: "postgres", url: db.url }, dns: ctx.dns.address });
    let tenant: Tenant;
    let haveInbox = false;
    let haveSend = false;
    let baselineInbox: WrkResult | undefined;
    let baselineSend: WrkResult | undefined;
    let oursInbox: WrkResult | undefined;
    let oursSend: WrkResult | undefined;
    try {
      tenant = await createTenantWithMailbox(server.url);
      haveInbox = await withClient(
        db.url,
        async (c) => (await c.query("select to_regclass('messages') as t")).rows[0].t !== null,
      );
      haveSend = await sendApiAvailable(server.url, tenant.apiKey);
      if (haveInbox) {
        log(`seeding ${seedCount} messages (PostgreSQL)`);
        await withClient(db.url, async (c) => {
          for (const statement of seedInboxSql(tenant.tenantId, tenant.mailboxId, tenant.address, seedCount))
            await c.query(statement);
        });
        oursInbox = await inboxLoad(`${server.url}/api/v1/inbox/${tenant.mailboxId}?limit=50`, tenant.apiKey);
        log(`  inbox, ours: ${describe(oursInbox)}`);
      }
      if (haveSend) {
        // From the tenant's own mailbox to itself: a hosted recipient, stored at send time.
        const body = { from: tenant.address, to: tenant.address, subject: "bench", text: "hello from the send benchmark" };
        const probe = await apiCall<{ status?: string }>(server.url, tenant.apiKey, "POST", "/send", body);
        if (probe.status !== 200 || probe.json.status !== "sent")
          throw new Error(`POST /api/v1/send: ${probe.status} ${JSON.stringify(probe.json).slice(0, 200)}`);
        oursSend = await wrk({
          url: `${server.url}/api/v1/send`,
          connections: 50,
          seconds: scaled(15, 2),
          script: postScript(work, body, tenant.apiKey),
        });
        log(`  send, ours: ${describe(oursSend)}`);
      }
    } finally {
      await server.stop();
    }
    if (haveInbox) {
      const baseline = await startHttpBaseline({ databaseUrl: db.url, tenantId: tenant.tenantId, mailboxId: tenant.mailboxId });
      try {
        baselineInbox = await inboxLoad(`http://127.0.0.1:${baseline.port}/api/v1/inbox/${tenant.mailboxId}?limit=50`, undefined);
        log(`  inbox, raw: ${describe(baselineInbox)}`);
        const body = { from: tenant.address, to: tenant.address, subject: "bench", text: "hello from the send benchmark" };
        baselineSend = await wrk({
          url: `http://127.0.0.1:${baseline.port}/api/v1/send`,
          connections: 50,
          seconds: scaled(15, 2),
          script: postScript(work, body, undefined),
        });
        log(`  send insert, raw: ${describe(baselineSend)}`);
      } finally {
        await baseline.stop();
      }
    }
    const inboxLabel = `inbox read API, 50 newest of ${seedCount.toLocaleString("en-US")}, c=50, PostgreSQL`;
    if (oursInbox) {
      const p99ok = oursInbox.p99Ms < 50;
      rows.push({
        benchmark: inboxLabel,
        ours: oursInbox.perSecond,
        peer: "node:http+pg (raw)",
        peerValue: baselineInbox?.perSecond,
        unit: "req/s",
        target: INBOX_TARGET,
        status: judge(oursInbox.perSecond, baselineInbox?.perSecond, (_o, r) => r >= 0.7 && p99ok),
        note: `p99 ${oursInbox.p99Ms.toFixed(1)} ms vs ${baselineInbox?.p99Ms.toFixed(1) ?? "—"} ms${oursInbox.non2xx ? `; ${oursInbox.non2xx} non-2xx` : ""}`,
      });
    } else {
      rows.push({ benchmark: inboxLabel, unit: "req/s", target: INBOX_TARGET, status: "not available yet", note: "inbox API" });
    }
    const sendLabel = "send API, hosted recipient, c=50, PostgreSQL";
    if (oursSend) {
      rows.push({
        benchmark: sendLabel,
        ours: oursSend.perSecond,
        peer: "node:http+pg insert (raw)",
        peerValue: baselineSend?.perSecond,
        unit: "req/s",
        target: "≥ 1,000 req/s",
        status: judge(oursSend.perSecond, undefined, (o) => o >= 1000 && oursSend!.non2xx === 0),
        note: `p99 ${oursSend.p99Ms.toFixed(1)} ms${oursSend.non2xx ? `; ${oursSend.non2xx} non-2xx` : ""}`,
      });
    } else {
      rows.push({
        benchmark: sendLabel,
        peer: "node:http+pg insert (raw)",
        peerValue: baselineSend?.perSecond,
        unit: "req/s",
        target: "≥ 1,000 req/s",
        status: "not available yet",
        note: "POST /api/v1/send",
      });
    }

    rows.push(...(await pgliteInbox(ctx, seedCount, baselineInbox)));
  } finally {
    rmSync(work, { recursive: true, force: true });
    await db.drop();
  }
  return rows;
}

async function pgliteInbox(ctx: BenchContext, seedCount: number, baseline: WrkResult | undefined): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "mailroom-bench-pglite-"));
  try {
    const first = await startMailroom({ store: { kind: "pglite", dataDir }, dns: ctx.dns.address });
    let tenant: Tenant;
    try {
      tenant = await createTenantWithMailbox(first.url);
    } finally {
      await first.stop();
    }
    // The server is stopped: the bench opens the same PGlite directory to seed it.
    const pglite = await PGlite.create(join(dataDir, "data"));
    let haveInbox: boolean;
    try {
      haveInbox = (await pglite.query<{ t: string | null }>("select to_regclass('messages') as t")).rows[0]?.t != null;
      if (haveInbox) {
        log(`seeding ${seedCount} messages (PGlite)`);
        for (const statement of seedInboxSql(tenant.tenantId, tenant.mailboxId, tenant.address, seedCount))
          await pglite.exec(statement);
      }
    } finally {
      await pglite.close();
    }
    const server = await startMailroom({ store: { kind: "pglite", dataDir }, dns: ctx.dns.address });
    const startMs = server.startMs;
    log(`  PGlite restart with ${haveInbox ? seedCount : 0} messages: healthy in ${startMs.toFixed(0)} ms`);
    let ours: WrkResult | undefined;
    try {
      if (haveInbox) {
        ours = await inboxLoad(`${server.url}/api/v1/inbox/${tenant.mailboxId}?limit=50`, tenant.apiKey);
        log(`  inbox, ours on PGlite: ${describe(ours)}`);
      }
    } finally {
      await server.stop();
    }
    const label = `inbox read API, 50 newest of ${seedCount.toLocaleString("en-US")}, c=50, PGlite`;
    return [
      ours
        ? {
            benchmark: label,
            ours: ours.perSecond,
            peer: "node:http+pg (raw, PostgreSQL)",
            peerValue: baseline?.perSecond,
            unit: "req/s",
            target: "—",
            status: "info",
            note: `p99 ${ours.p99Ms.toFixed(1)} ms`,
          }
        : { benchmark: label, unit: "req/s", target: "—", status: "not available yet", note: "inbox API" },
      {
        benchmark: `start-up to healthy, PGlite, existing data (${haveInbox ? seedCount.toLocaleString("en-US") : "no"} messages)`,
        ours: startMs / 1000,
        unit: "s",
        target: "< 2 s",
        status: startMs < 2000 ? "met" : "missed",
      },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
