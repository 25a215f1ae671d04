import { parseConfig } from "@mailroom/contracts";
import { createLogger, newId } from "@mailroom/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// Core internals under test: the MX's group commit, driven directly so a batch forms for sure.
import { createGroupCommit } from "../../../packages/core/src/messages/group-commit.js";
import { parseMessage } from "../../../packages/core/src/messages/message-parser.js";
import type { IncomingMessage } from "../../../packages/core/src/messages/message-store.js";
import { batchedRecipientRule } from "../../../packages/core/src/smtp/recipient-policy.js";
import { addInbox, composeMessage, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import { getTestDatabase } from "./support/test-database.js";
import { testEnv, type TestServer } from "./support/test-server.js";

const AUTH = {
  spf: { result: "none", domain: null },
  dkim: [],
  dmarc: { result: "none", policy: null, domain: null },
  arc: { result: "none" },
  header: "",
} as const;

async function incoming(inbox: TestInbox, mailboxId: string, subject: string): Promise<IncomingMessage> {
  const raw = await composeMessage({ from: "a@sender.test", to: inbox.address, subject, text: `body of ${subject}` });
  return {
    id: newId("message"),
    raw,
    envelopeFrom: "a@sender.test",
    recipients: [{ address: inbox.address, mailboxId, tenantId: inbox.tenantId }],
    parsed: await parseMessage(raw),
    auth: { ...AUTH, dkim: [] },
  };
}

describe("the MX's batching: group commit and RCPT look-ups", () => {
  let server: TestServer;
  let inbox: TestInbox;
  const logged: Record<string, unknown>[] = [];

  beforeAll(async () => {
    server = await startReceivingServer();
    inbox = await newInbox(server);
  });
  afterAll(() => server?.stop());

  async function groupCommit() {
    const database = await getTestDatabase();
    const logger = createLogger("warn", {
      write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>),
    });
    return createGroupCommit({ db: database.db, config: parseConfig(testEnv()), logger }, undefined);
  }

  async function storedIds(ids: string[]): Promise<string[]> {
    const database = await getTestDatabase();
    const rows = await database.db.selectFrom("messages").select("id").where("id", "in", ids).execute();
    return rows.map((r) => r.id).sort();
  }

  it("stores messages handed over in one tick, each exactly once, and answers each", async () => {
    const store = await groupCommit();
    const messages = await Promise.all([1, 2, 3, 4, 5].map((i) => incoming(inbox, inbox.accountId, `batch ${i}`)));
    const results = await Promise.all(messages.map((m) => store.store(m)));
    expect(results.map((r) => r.contentId)).toEqual(messages.map((m) => m.id));
    expect(await storedIds(messages.map((m) => m.id))).toEqual(messages.map((m) => m.id).sort());
    const inboxRes = await server.call("GET", `/api/v1/inbox/${inbox.accountId}?limit=50`, { key: inbox.key });
    expect(inboxRes.body.messages.map((m: { subject: string }) => m.subject).sort()).toEqual([
      "batch 1",
      "batch 2",
      "batch 3",
      "batch 4",
      "batch 5",
    ]);
  });

  it("RCPTs arriving together are decided by one batched look-up, each with its own answer", async () => {
    const other = await addInbox(server, inbox);
    const database = await getTestDatabase();
    const deps = {
      db: database.db,
      config: parseConfig(testEnv({ MAILROOM_SYSTEM_DOMAINS: "ig.do,kfc.sh:premium" })),
      logger: createLogger("silent"),
    };
    let queries = 0;
    const counting = database.db.withPlugin({
      transformQuery: (args) => {
        queries++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const decide = batchedRecipientRule({ ...deps, db: counting });
    const addresses = [inbox.address, `nobody-${Date.now()}@ig.do`, other.address.toUpperCase(), "someone@elsewhere.example"];
    const decisions = await Promise.all(addresses.map((a) => decide(a)));
    expect(decisions.map((d) => d.kind)).toEqual(["mailbox", "unknown", "mailbox", "foreign"]);
    expect(decisions[0]).toMatchObject({ mailboxId: inbox.accountId });
    expect(decisions[2]).toMatchObject({ mailboxId: other.accountId, address: other.address });
    // One batch: the active custom domains among the names, and the mailboxes at the addresses.
    expect(queries).toBe(2);
  });

  it("a message that cannot be stored fails alone: its batch neighbours are still stored", async () => {
    const store = await groupCommit();
    logged.length = 0;
    const good = await Promise.all([1, 2, 3, 4].map((i) => incoming(inbox, inbox.accountId, `neighbour ${i}`)));
    // A mailbox that no longer exists (deleted between RCPT and the end of DATA): the insert fails.
    const bad = await incoming(inbox, "acc_doesnotexist00000000000", "orphan");
    const outcomes = await Promise.allSettled([good[0]!, good[1]!, bad, good[2]!, good[3]!].map((m) => store.store(m)));

    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(await storedIds([...good, bad].map((m) => m.id))).toEqual(good.map((m) => m.id).sort());
    // They really were one batch: it failed as a whole first, then went one by one.
    expect(logged.some((l) => l.msg === "group commit failed; storing its messages one by one" && l.messages === 5)).toBe(true);
  });
});
