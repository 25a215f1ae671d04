import type { RouterInputs } from "@mailroom/api";
import { Command } from "commander";
import { resolveAccount } from "../account-ref.js";
import type { Context } from "../context.js";
import { followEvents } from "../event-stream.js";
import { withSpinner } from "../output.js";
import { eventLine } from "./events-format.js";

type EventQuery = RouterInputs["events"]["list"];

/** `--type a,b --type c` → [a, b, c]; the server checks each name. */
const typeList = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean),
];

interface ListOptions {
  type?: string[];
  since?: string;
  limit: number;
  cursor?: string;
}

interface TailOptions {
  type?: string[];
  mailbox?: string;
}

/** `mailroom events list|tail`: the tenant's event log, a page of it or as it happens. */
export function eventsCommand(ctx: Context): Command {
  const events = new Command("events").description("Your events: what happened to your mail, mailboxes and domains");

  events
    .command("list")
    .description("List events, oldest first")
    .option("--type <types>", "only these types, comma-separated (repeatable)", typeList)
    .option("--since <time>", "only events at or after this ISO-8601 time")
    .option("--limit <n>", "events per page (1–100)", (v) => Number(v), 50)
    .option("--cursor <id>", "the events after this one (a page's next_cursor)")
    .action(async (opts: ListOptions) => {
      const query: EventQuery = { type: opts.type, since: opts.since, limit: opts.limit, cursor: opts.cursor };
      const page = await withSpinner("Fetching events…", () => ctx.client().events.list.query(query), ctx.output());
      if (ctx.output().json) {
        process.stdout.write(`${JSON.stringify(page, null, 2)}\n`);
        return;
      }
      if (page.events.length === 0) process.stdout.write("(none)\n");
      for (const event of page.events) process.stdout.write(`${eventLine(event)}\n`);
      if (page.next_cursor) process.stdout.write(`more: --cursor ${page.next_cursor}\n`);
    });

  events
    .command("tail")
    .description("Print events as they happen, until Ctrl-C (one JSON object per line with --json)")
    .option("--type <types>", "only these types, comma-separated (repeatable)", typeList)
    .option("--mailbox <account>", "only events of this mailbox: its id (acc_…) or address")
    .action(async (opts: TailOptions) => {
      const { url, apiKey } = ctx.connection();
      const mailboxId = opts.mailbox === undefined ? undefined : await resolveAccount(ctx, opts.mailbox);
      const json = Boolean(ctx.output().json);
      await followEvents(
        { url, apiKey, types: opts.type ?? [], mailboxId },
        (event) => process.stdout.write(`${json ? JSON.stringify(event) : eventLine(event)}\n`),
        (reason) => process.stderr.write(`stream interrupted (${reason}); reconnecting…\n`),
      );
    });

  return events;
}
