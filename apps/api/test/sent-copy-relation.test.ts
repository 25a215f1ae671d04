import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addInbox, mxTransport, newInbox, startReceivingServer, type TestInbox } from "./support/receiving.js";
import type { TestServer } from "./support/test-server.js";
import { uniqueLocal } from "./support/test-domains.js";

let server: TestServer;

beforeAll(async () => {
  server = await startReceivingServer({}, { backgroundJobs: false });
});
afterAll(async () => {
  await server?.stop();
});

interface Delivery {
  recipient: string;
  status: string;
  hosted: boolean;
  copy_message_id: string | null;
}

async function get(inbox: TestInbox, path: string) {
  const res = await server.call("GET", `/api/v1${path}`, { key: inbox.key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function deliveries(sender: TestInbox, sentId: string): Promise<Delivery[]> {
  const sent = await get(sender, `/messages/${sentId}`);
  expect(sent.direction).toBe("outbound");
  return sent.deliveries as Delivery[];
}

/** The copy's id from the sender's side, and that every representation of the copy names the sent message. */
async function expectRelated(sender: TestInbox, sentId: string, recipient: TestInbox): Promise<string> {
  const delivery = (await deliveries(sender, sentId)).find((d) => d.recipient === recipient.address);
  expect(delivery).toMatchObject({ status: "sent", hosted: true, copy_message_id: expect.stringMatching(/^msg_/) });
  const copyId = delivery!.copy_message_id!;
  // A copy of its own: the recipient's read state and deletion are not the sender's.
  expect(copyId).not.toBe(sentId);

  const message = await get(recipient, `/messages/${copyId}`);
  expect(message).toMatchObject({ id: copyId, account_id: recipient.accountId, sent_message_id: sentId });
  const listed = (await get(recipient, `/inbox/${recipient.accountId}`)).messages as {
    id: string;
    sent_message_id: string | null;
  }[];
  expect(listed.find((m) => m.id === copyId)?.sent_message_id).toBe(sentId);
  const page = await get(recipient, `/emails/${recipient.accountId}/messages`);
  expect(page.data.messages.find((m: { id: string }) => m.id === copyId)?.sentMessageId).toBe(sentId);
  const one = await get(recipient, `/emails/${recipient.accountId}/messages/${copyId}`);
  expect(one.data).toMatchObject({ id: copyId, sentMessageId: sentId });
  return copyId;
}

describe("a hosted recipient's copy and the sent message name each other", () => {
  it("POST /send: each hosted recipient's delivery names its copy, each copy names the sent message", async () => {
    const sender = await newInbox(server);
    const colleague = await addInbox(server, sender);
    const stranger = await newInbox(server);
    const res = await server.call("POST", "/api/v1/send", {
      key: sender.key,
      body: { from: sender.address, to: [colleague.address, stranger.address], subject: "Related", text: "hello" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const sentId = res.body.message_id as string;

    const mine = await expectRelated(sender, sentId, colleague);
    const theirs = await expectRelated(sender, sentId, stranger);
    expect(mine).not.toBe(theirs);
  });

  it("SMTP submission: the delivery names the copy, the copy names the id of the 250 reply", async () => {
    const sender = await newInbox(server);
    const recipient = await newInbox(server);
    const transport = createTransport({
      host: "127.0.0.1",
      port: server.app.submissionPort,
      secure: false,
      ignoreTLS: true,
      auth: { user: sender.address, pass: "securePass123" },
    });
    const info = await transport.sendMail({ from: sender.address, to: recipient.address, subject: "Submitted", text: "hi" });
    transport.close();
    const sentId = /Queued as (msg_[0-9a-z]{26})/.exec(info.response)?.[1];
    expect(sentId, info.response).toBeDefined();

    await expectRelated(sender, sentId!, recipient);
  });

  it("two addresses of one mailbox make one copy, which both deliveries name", async () => {
    const sender = await newInbox(server);
    const recipient = await newInbox(server);
    const tagged = recipient.address.replace("@", "+news@");
    const res = await server.call("POST", "/api/v1/send", {
      key: sender.key,
      body: { from: sender.address, to: [recipient.address, tagged], subject: "Twice", text: "x" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const rows = await deliveries(sender, res.body.message_id);
    expect(rows).toHaveLength(2);
    expect(rows[0]!.copy_message_id).toMatch(/^msg_/);
    expect(rows[1]!.copy_message_id).toBe(rows[0]!.copy_message_id);
    const listed = (await get(recipient, `/inbox/${recipient.accountId}`)).messages as { id: string }[];
    expect(listed.map((m) => m.id)).toEqual([rows[0]!.copy_message_id]);
  });
});

describe("no relation where there is no copy", () => {
  it("mail from outside has sent_message_id null in every representation", async () => {
    const inbox = await newInbox(server);
    const mx = mxTransport(server.app.smtpPort);
    await mx.sendMail({ from: "someone@elsewhere.test", to: inbox.address, subject: "From outside", text: "x" });
    mx.close();

    const [listed] = (await get(inbox, `/inbox/${inbox.accountId}`)).messages as { id: string; sent_message_id: string | null }[];
    expect(listed).toMatchObject({ sent_message_id: null });
    expect(await get(inbox, `/messages/${listed!.id}`)).toMatchObject({ sent_message_id: null });
    const page = await get(inbox, `/emails/${inbox.accountId}/messages`);
    expect(page.data.messages[0]).toMatchObject({ id: listed!.id, sentMessageId: null });
    expect((await get(inbox, `/emails/${inbox.accountId}/messages/${listed!.id}`)).data).toMatchObject({ sentMessageId: null });
  });

  it("an unknown local recipient: no copy on its delivery, and the bounce notice is not a copy of the sent message", async () => {
    const sender = await newInbox(server);
    const res = await server.call("POST", "/api/v1/send", {
      key: sender.key,
      body: { from: sender.address, to: `${uniqueLocal("nobody")}@ig.do`, subject: "Lost", text: "x" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [delivery] = await deliveries(sender, res.body.message_id);
    expect(delivery).toMatchObject({ status: "bounced", hosted: false, copy_message_id: null });
    const [notice] = (await get(sender, `/inbox/${sender.accountId}`)).messages as {
      subject: string;
      sent_message_id: string | null;
    }[];
    expect(notice).toMatchObject({
      subject: expect.stringMatching(/^Undelivered Mail Returned to Sender/),
      sent_message_id: null,
    });
  });
});
