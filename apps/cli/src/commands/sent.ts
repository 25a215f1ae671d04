import type { RouterInputs } from "@mailroom/api";
import { Command } from "commander";
import type { Context } from "../context.js";
import { printRows, withSpinner } from "../output.js";

type SentQuery = RouterInputs["sent"]["list"];

interface SentOptions {
  status?: string;
  from?: string;
  limit: number;
  cursor?: string;
}

/** `mailroom sent`: the tenant's sent messages, newest first (`mailroom status <id>` shows one's recipients). */
export function sentCommand(ctx: Context): Command {
  return (
    new Command("sent")
      .description("List your sent messages, newest first, each with its overall delivery status")
      // The server checks the value and names the allowed ones, so the list lives in one place.
      .option("--status <status>", "only messages with this status: queued, sent, partially_failed or failed")
      .option("--from <address>", "only messages sent from this address")
      .option("--limit <n>", "messages per page (1–100)", (v) => Number(v), 50)
      .option("--cursor <cursor>", "the next_cursor of the previous page")
      .action(async (opts: SentOptions) => {
        const query: SentQuery = {
          limit: opts.limit,
          cursor: opts.cursor,
          status: opts.status as SentQuery["status"],
          from: opts.from,
        };
        const page = await withSpinner("Fetching sent messages…", () => ctx.client().sent.list.query(query), ctx.output());
        const rows = page.messages.map((m) => ({
          id: m.id,
          when: m.created_at,
          from: m.from,
          to: m.to.join(", "),
          subject: m.subject,
          status: m.status,
        }));
        printRows(rows, ["id", "when", "from", "to", "subject", "status"], ctx.output(), page);
        if (!ctx.output().json && page.next_cursor) process.stdout.write(`more: --cursor ${page.next_cursor}\n`);
      })
  );
}
