import { writeFile } from "node:fs/promises";
import { Command } from "commander";
import type { RouterOutputs } from "@mailroom/api";
import { ACCOUNT_ARGUMENT, resolveAccount } from "../account-ref.js";
import { CliError } from "../cli-error.js";
import { MISSING_KEY_HELP, unreachable } from "../client.js";
import { DEFAULT_CALL_TIMEOUT_MS, type Context } from "../context.js";
import { printRows, withSpinner } from "../output.js";

/** GET /messages/{id} also answers for sent messages; `read` shows received ones. */
type Message = Exclude<RouterOutputs["messages"]["get"], { direction: "outbound" }>;

const list = (addresses: { address: string; name: string | null }[]) =>
  addresses.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(", ");

/** Headers a person reads, a blank line, then the text (or a note when there is only HTML). */
function printMessage(m: Message, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
    return;
  }
  const lines = [
    `From:    ${m.from_name ? `${m.from_name} <${m.from}>` : m.from || "-"}`,
    `To:      ${list(m.to) || "-"}`,
    ...(m.cc.length > 0 ? [`Cc:      ${list(m.cc)}`] : []),
    `Subject: ${m.subject}`,
    `Date:    ${m.date}`,
    `Id:      ${m.id}`,
    ...(m.codes.length > 0 ? [`Codes:   ${m.codes.join(", ")}`] : []),
    ...m.attachments.map((a) => `Attached: ${a.id}  ${a.filename ?? "(no name)"}  ${a.content_type}  ${a.size} bytes`),
    "",
    m.text ?? (m.html ? "(HTML only: see --json, or --raw for the whole message)" : "(no text)"),
  ];
  process.stdout.write(`${lines.join("\n").trimEnd()}\n`);
}

/** GET a byte route with the CLI's key; the server's JSON error becomes the thrown message. */
async function fetchBytes(ctx: Context, path: string): Promise<Buffer> {
  const { url, apiKey } = ctx.connection();
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, "")}/api/v1${path}`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(DEFAULT_CALL_TIMEOUT_MS),
    });
  } catch (err) {
    throw new CliError(unreachable(err, url) ?? (err instanceof Error ? err.message : String(err)));
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      const parsed = JSON.parse(body.toString()) as { error?: string; code?: string };
      if (parsed.code === "MISSING_API_KEY") message = `${MISSING_KEY_HELP} (MISSING_API_KEY)`;
      else if (parsed.error) message = `${parsed.error} (${parsed.code})`;
    } catch {
      // not our error body
    }
    throw new CliError(message);
  }
  return body;
}

/** `mailroom inbox`, `read`, `attachment` and `wait`: received mail. */
export function inboxCommands(ctx: Context): Command[] {
  const inbox = new Command("inbox")
    .description("List an account's messages, newest first")
    .argument("<account>", ACCOUNT_ARGUMENT)
    .option("--limit <n>", "messages per page (1–100)", (v) => Number(v), 50)
    .option("--cursor <cursor>", "the next_cursor of the previous page")
    .option("--unread", "only messages not yet seen")
    .option("--since <time>", "only messages received at or after this ISO-8601 time")
    .option("--folder <name>", "list this folder (Sent, Work/Projects) instead of INBOX")
    .action(async (ref: string, opts: { limit: number; cursor?: string; unread?: boolean; since?: string; folder?: string }) => {
      const account = await resolveAccount(ctx, ref);
      const page = await withSpinner(
        "Fetching messages…",
        () =>
          ctx.client().inbox.list.query({
            account_id: account,
            limit: opts.limit,
            cursor: opts.cursor,
            unread: opts.unread ? "true" : undefined,
            since: opts.since,
            folder: opts.folder,
          }),
        ctx.output(),
      );
      const rows = page.messages.map((m) => ({
        id: m.id,
        date: m.date,
        from: m.from,
        subject: m.subject,
        seen: m.seen ? "yes" : "no",
        attachments: m.has_attachments ? "yes" : "",
      }));
      printRows(rows, ["id", "date", "from", "subject", "seen", "attachments"], ctx.output(), page);
      if (!ctx.output().json && page.next_cursor) process.stdout.write(`more: --cursor ${page.next_cursor}\n`);
    });

  const read = new Command("read")
    .description("Show a message: headers and text (--raw: the message exactly as stored); marks it seen")
    .argument("<message>", "a message id (msg_…)")
    .option("--raw", "print the raw message (RFC 5322) instead")
    .option("--keep-unseen", "do not mark the message seen")
    .action(async (id: string, opts: { raw?: boolean; keepUnseen?: boolean }) => {
      if (opts.raw) {
        process.stdout.write(await fetchBytes(ctx, `/messages/${encodeURIComponent(id)}/raw`));
      } else {
        const message = await withSpinner("Fetching message…", () => ctx.client().messages.get.query({ id }), ctx.output());
        if ("direction" in message) throw new CliError(`${id} is a sent message; use mailroom status ${id}`);
        printMessage(message, Boolean(ctx.output().json));
        if (opts.keepUnseen || message.seen) return;
      }
      // After printing: a message that failed to show stays unseen.
      if (!opts.keepUnseen) await ctx.client().messages.update.mutate({ id, seen: true });
    });

  const attachment = new Command("attachment")
    .description("Save an attachment to a file")
    .argument("<message>", "a message id (msg_…)")
    .argument("<attachment>", "an attachment id (att_…), as `mailroom read` lists them")
    .requiredOption("-o, --output <file>", "where to write it")
    .action(async (messageId: string, attachmentId: string, opts: { output: string }) => {
      const bytes = await fetchBytes(
        ctx,
        `/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(attachmentId)}`,
      );
      await writeFile(opts.output, bytes);
      process.stderr.write(`Saved ${bytes.length} bytes to ${opts.output}\n`);
    });

  const wait = new Command("wait")
    .description("Wait for a matching message to arrive, then show it (exit 1 on timeout)")
    .argument("<account>", ACCOUNT_ARGUMENT)
    .option("--subject <text>", "part of the subject, case-insensitive")
    .option("--from <text>", "part of the sender's address, case-insensitive")
    .option("--since <time>", "also match messages received since this ISO-8601 time")
    .option("--timeout <seconds>", "give up after this many seconds (1–300)", (v) => Number(v), 60)
    .option("--code", "print only the message's one-time code (exit 1 when it holds none)")
    .action(async (ref: string, opts: { subject?: string; from?: string; since?: string; timeout: number; code?: true }) => {
      const account = await resolveAccount(ctx, ref);
      const answer = await withSpinner(
        `Waiting for mail${opts.subject ? ` about "${opts.subject}"` : ""} (up to ${opts.timeout} s)…`,
        () =>
          ctx.client({ timeoutMs: (opts.timeout + 30) * 1000 }).inbox.wait.query({
            account_id: account,
            timeout: opts.timeout,
            subject: opts.subject,
            from: opts.from,
            since: opts.since,
            extract: opts.code ? "code" : undefined,
          }),
        ctx.output(),
      );
      if (!("code" in answer)) printMessage(answer, Boolean(ctx.output().json));
      else if (ctx.output().json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      else process.stdout.write(`${answer.code}\n`);
    });

  return [inbox, read, attachment, wait];
}
