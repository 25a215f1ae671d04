import { createHash } from "node:crypto";
import { ImapFlow } from "imapflow";
import { SENDER } from "../lib/dns.js";
import { startDovecot, type Dovecot } from "../lib/dovecot.js";
import { freePort, log, scaled, sleep } from "../lib/env.js";
import { ADMIN_KEY, SYSTEM_DOMAIN, api, startMailroom, type Mailroom } from "../lib/mailroom.js";
import { realLookingMessage } from "../lib/messages.js";
import { createDatabase } from "../lib/postgres.js";
import { procStatusKb } from "../lib/processes.js";
import { sendPool } from "../lib/smtp-client.js";
import type { Row, Status } from "../lib/table.js";
import type { BenchContext } from "./context.js";

/** In the plain-text part of every 100th message; no other word of the generator contains it. */
const MARKER = "zanzibar";
const hasMarker = (i: number) => i % 100 === 7;
const RUNS = 3;
/** Any one IMAP operation, connection or login that takes longer is a failed run. */
const OP_TIMEOUT_MS = 300_000;
const IDLE_SESSIONS = 100;

interface Login {
  name: string;
  port: number;
  user: string;
  pass: string;
}

function bounded<T>(what: string, work: Promise<T>, ms = OP_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function connect(server: Login): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: "127.0.0.1",
    port: server.port,
    secure: false,
    auth: { user: server.user, pass: server.pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 30_000,
    socketTimeout: OP_TIMEOUT_MS,
  });
  client.on("error", () => undefined);
  await bounded(`${server.name}: connect and log in`, client.connect());
  return client;
}

async function logout(client: ImapFlow): Promise<void> {
  await bounded("LOGOUT", client.logout(), 30_000).catch(() => client.close());
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** One warm-up run, then the median of RUNS timed runs; every run must give the warm-up's answer. */
async function timed<T>(what: string, once: () => Promise<T>): Promise<{ ms: number; answer: T }> {
  const answer = await once();
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const again = await once();
    times.push(performance.now() - started);
    if (JSON.stringify(again) !== JSON.stringify(answer)) throw new Error(`${what}: run ${run + 1} answered differently`);
  }
  log(`  ${what}: ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
  return { ms: median(times), answer };
}

/** (1) SELECT INBOX and FETCH 1:* (FLAGS ENVELOPE) on a fresh login: the message count and a digest of the Message-IDs in order. */
async function selectAndList(server: Login): Promise<{ ms: number; count: number; digest: string }> {
  const client = await connect(server);
  try {
    const { ms, answer } = await timed(`${server.name} SELECT + FETCH 1:* (FLAGS ENVELOPE)`, async () => {
      await bounded("SELECT INBOX", client.mailboxOpen("INBOX"));
      const hash = createHash("sha256");
      let count = 0;
      await bounded(
        "FETCH 1:* (FLAGS ENVELOPE)",
        (async () => {
          for await (const m of client.fetch("1:*", { flags: true, envelope: true })) {
            count++;
            hash.update(`${m.envelope?.messageId ?? ""}\n`);
          }
        })(),
      );
      await client.mailboxClose();
      return { count, digest: hash.digest("hex") };
    });
    return { ms, ...answer };
  } finally {
    await logout(client);
  }
}

/** (2) UID SEARCH TEXT <marker> in the selected INBOX: how many it finds. */
async function searchText(server: Login): Promise<{ ms: number; found: number }> {
  const client = await connect(server);
  try {
    await bounded("SELECT INBOX", client.mailboxOpen("INBOX"));
    const { ms, answer } = await timed(`${server.name} UID SEARCH TEXT ${MARKER}`, async () => {
      const uids = await bounded("UID SEARCH TEXT", client.search({ text: MARKER }, { uid: true }));
      if (!uids) throw new Error("UID SEARCH failed");
      return uids.length;
    });
    return { ms, found: answer };
  } finally {
    await logout(client);
  }
}

/** (3) FETCH 1:n BODY[] (imapflow's `source`): the bytes and a digest of them. */
async function fetchBodies(server: Login, n: number): Promise<{ ms: number; bytes: number; digest: string }> {
  const client = await connect(server);
  try {
    await bounded("SELECT INBOX", client.mailboxOpen("INBOX"));
    const { ms, answer } = await timed(`${server.name} FETCH 1:${n} full bodies`, async () => {
      const hash = createHash("sha256");
      let bytes = 0;
      await bounded(
        `FETCH 1:${n} BODY[]`,
        (async () => {
          for await (const m of client.fetch(`1:${n}`, { source: true })) {
            bytes += m.source?.length ?? 0;
            if (m.source) hash.update(m.source);
          }
        })(),
      );
      return { bytes, digest: hash.digest("hex") };
    });
    return { ms, ...answer };
  } finally {
    await logout(client);
  }
}

/** (4) Memory of IDLE_SESSIONS sessions logged in, INBOX selected, in IDLE: `after - before` from `memoryMb`. */
async function idleSessionsMb(server: Login, memoryMb: () => number): Promise<number> {
  await sleep(1000);
  const before = memoryMb();
  const clients: ImapFlow[] = [];
  try {
    for (let i = 0; i < IDLE_SESSIONS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, IDLE_SESSIONS - i) }, async () => {
          const client = await connect(server);
          clients.push(client);
          await bounded("SELECT INBOX", client.mailboxOpen("INBOX"));
          return client;
        }),
      );
      for (const client of batch) void client.idle().catch(() => undefined);
    }
    await sleep(2000);
    const after = memoryMb();
    log(`  ${server.name}: ${IDLE_SESSIONS} idle sessions, ${before.toFixed(1)} → ${after.toFixed(1)} MB`);
    return after - before;
  } finally {
    await Promise.all(clients.map(logout));
  }
}

/** A tenant and an account with a password on the bench's system domain (POST /api/v1/accounts). */
async function createAccount(server: Mailroom): Promise<{ address: string; password: string }> {
  const tenant = await api<{ api_key: string }>(server.url, ADMIN_KEY, "POST", "/admin/tenants", {
    name: "bench",
    plan: "lifetime",
  });
  if (tenant.status !== 201) throw new Error(`POST /admin/tenants: ${tenant.status} ${JSON.stringify(tenant.json)}`);
  const password = "bench-imap-password-1";
  const username = `imap${Date.now() % 100_000}`;
  const account = await api<{ email: string }>(server.url, tenant.json.api_key, "POST", "/accounts", {
    domain: SYSTEM_DOMAIN,
    username,
    password,
  });
  if (account.status !== 201) throw new Error(`POST /accounts: ${account.status} ${JSON.stringify(account.json)}`);
  return { address: account.json.email, password };
}

/**
 * `count` real-looking messages through our MX into the account's INBOX, then every one as our
 * server stores it (its Received header on top of the bytes sent, checked) into Dovecot's Maildir,
 * in our UID order: both servers hold the same bytes in the same order.
 */
async function loadMail(mx: number, ours: Login, dovecot: Dovecot, count: number): Promise<void> {
  const run = Date.now();
  const sent = new Map<number, { length: number; sha: string }>();
  const result = await sendPool({
    port: mx,
    connections: 20,
    count,
    message: (i) => {
      const raw = realLookingMessage(i, {
        from: SENDER,
        to: ours.user,
        messageId: `<imap-${i}-${run}@sender.bench.test>`,
        attachEvery: 10,
        extraText: hasMarker(i) ? MARKER : undefined,
      });
      sent.set(i, { length: raw.length, sha: createHash("sha256").update(raw).digest("hex") });
      return { from: SENDER, to: [ours.user], raw };
    },
  });
  const accepted = result.replies.filter((r) => r?.code === 250).length;
  log(`  delivered ${accepted}/${count} through the MX in ${result.seconds.toFixed(1)} s`);
  if (accepted !== count) throw new Error(`the MX accepted ${accepted} of ${count} messages`);

  const client = await connect(ours);
  try {
    const inbox = await bounded("SELECT INBOX", client.mailboxOpen("INBOX"));
    if (inbox.exists !== count) throw new Error(`our INBOX holds ${inbox.exists} messages, not ${count}`);
    const base = Math.floor(Date.now() / 1000) - count;
    const batch = 500;
    for (let first = 1; first <= count; first += batch) {
      const range = `${first}:${Math.min(count, first + batch - 1)}`;
      await bounded(
        `export FETCH ${range} BODY[]`,
        (async () => {
          for await (const m of client.fetch(range, { source: true })) {
            const source = m.source!;
            const i = Number(/Message-ID: <imap-(\d+)-/i.exec(source.subarray(0, 4096).toString("latin1"))?.[1]);
            const expected = sent.get(i);
            const tail = expected ? source.subarray(source.length - expected.length) : undefined;
            if (!expected || !tail || createHash("sha256").update(tail).digest("hex") !== expected.sha) {
              throw new Error(`message ${m.seq} as stored does not end with the bytes sent (#${i})`);
            }
            // Maildir names sort by their leading time: Dovecot gives UIDs in our order.
            dovecot.addMessage(`${base + m.seq}.M${m.seq}P${process.pid}.bench:2,`, source);
          }
        })(),
      );
    }
  } finally {
    await logout(client);
  }
}

function speedRow(benchmark: string, ours: number | undefined, dovecot: number | undefined, note?: string): Row {
  const ratio = ours !== undefined && dovecot !== undefined ? dovecot / ours : undefined;
  const status: Status = ratio === undefined ? "error" : ratio >= 0.5 ? "met" : "missed";
  return {
    benchmark,
    ours,
    peer: "Dovecot",
    peerValue: dovecot,
    ratio,
    unit: "ms",
    target: "≥ 0.5× (ratio: Dovecot's time ÷ ours)",
    status,
    note,
  };
}

/**
 * IMAP against Debian's Dovecot 2.3 (Maildir, no full-text index), both holding the same
 * messages, timed with imapflow: SELECT + FETCH of every envelope, UID SEARCH TEXT, FETCH of full
 * bodies; then the memory 100 idle sessions take.
 */
export async function imap(ctx: BenchContext): Promise<Row[]> {
  const count = scaled(10_000, 200);
  const bodies = Math.min(count, scaled(1000, 50));
  const markers = Array.from({ length: count }, (_, i) => i).filter(hasMarker).length;
  const db = await createDatabase("imap");
  const imapPort = await freePort();
  let server: Mailroom | undefined;
  let dovecot: Dovecot | undefined;
  try {
    server = await startMailroom({
      store: { kind: "postgres", url: db.url },
      dns: ctx.dns.address,
      env: {
        IMAP_PORT: String(imapPort),
        IMAPS_PORT: String(await freePort()),
        // Every session comes from 127.0.0.1: the per-client limit must not be what is measured.
        MAILROOM_IMAP_MAX_SESSIONS_PER_IP: "1000",
        MAILROOM_IMAP_MAX_SESSIONS: "1000",
      },
    });
    dovecot = await startDovecot();
    log(`imap: Dovecot ${dovecot.version}; ${count} messages (${markers} with "${MARKER}"), ${bodies} bodies`);
    const account = await createAccount(server);
    const ours: Login = { name: "mailroom", port: imapPort, user: account.address, pass: account.password };
    const theirs: Login = { name: "dovecot", port: dovecot.port, user: dovecot.user, pass: dovecot.password };
    await loadMail(server.ports.smtp, ours, dovecot, count);

    const rows: Row[] = [];
    const listOurs = await selectAndList(ours);
    const listTheirs = await selectAndList(theirs);
    const listSame = listOurs.count === count && listTheirs.count === count && listOurs.digest === listTheirs.digest;
    rows.push(
      speedRow(
        `imap: SELECT INBOX + FETCH 1:* (FLAGS ENVELOPE), ${count.toLocaleString("en-US")} messages, median of ${RUNS}`,
        listOurs.ms,
        listTheirs.ms,
        listSame
          ? undefined
          : `listed ${listOurs.count} vs ${listTheirs.count}${listOurs.digest === listTheirs.digest ? "" : ", order differs"}`,
      ),
    );

    const searchOurs = await searchText(ours);
    const searchTheirs = await searchText(theirs);
    const searchNote =
      searchOurs.found === searchTheirs.found && searchOurs.found === markers
        ? `${markers} found by both`
        : `found ${searchOurs.found} vs ${searchTheirs.found}, ${markers} expected`;
    rows.push(
      speedRow(
        `imap: UID SEARCH TEXT (a word in 1% of the messages), median of ${RUNS}`,
        searchOurs.ms,
        searchTheirs.ms,
        searchNote,
      ),
    );

    const bodiesOurs = await fetchBodies(ours, bodies);
    const bodiesTheirs = await fetchBodies(theirs, bodies);
    const mb = (bodiesOurs.bytes / 2 ** 20).toFixed(1);
    const bodiesNote =
      bodiesOurs.digest === bodiesTheirs.digest
        ? `${mb} MB, the same bytes from both`
        : `${bodiesOurs.bytes} vs ${bodiesTheirs.bytes} bytes: they differ`;
    rows.push(
      speedRow(
        `imap: FETCH 1:${bodies.toLocaleString("en-US")} BODY[] (full messages), median of ${RUNS}`,
        bodiesOurs.ms,
        bodiesTheirs.ms,
        bodiesNote,
      ),
    );

    const pid = server.proc.pid;
    const oursMb = await idleSessionsMb(ours, () => procStatusKb(pid, "VmRSS") / 1024);
    const d = dovecot;
    let theirsPss = 0;
    const theirsMb = await idleSessionsMb(theirs, () => {
      const m = d.imapMemoryMb();
      theirsPss = m.pss;
      return m.rss;
    });
    rows.push({
      benchmark: `imap: memory of ${IDLE_SESSIONS} idle sessions (logged in, INBOX selected, IDLE); ours: server RSS growth, Dovecot: RSS of its imap processes`,
      ours: oursMb,
      peer: "Dovecot",
      peerValue: theirsMb,
      unit: "MB",
      target: "≤ 2.0× Dovecot",
      status: oursMb <= 2 * theirsMb ? "met" : "missed",
      note: `Dovecot's PSS ${theirsPss.toFixed(1)} MB (its processes share libraries)`,
    });
    return rows;
  } finally {
    await dovecot?.stop();
    await server?.stop();
    await db.drop();
  }
}
