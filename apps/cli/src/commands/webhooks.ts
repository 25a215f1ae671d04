import { Command, InvalidArgumentError } from "commander";
import type { Context } from "../context.js";
import { parseDuration } from "../duration.js";
import { printObject, printRows, withSpinner } from "../output.js";

const list = (value: string): string[] =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Repeatable, comma-separated: `--mailbox a --mailbox b,c`. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, ...list(value)];

/** An ISO-8601 time, or a duration back from now (`2h`, `7d`). */
function pastTime(value: string): string {
  if (/^\d+\s*[smhdw]?$/i.test(value.trim())) return new Date(Date.now() - parseDuration(value) * 1000).toISOString();
  if (Number.isNaN(Date.parse(value))) throw new InvalidArgumentError("expected an ISO-8601 time or a duration such as 2h or 7d");
  return value;
}

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError("must be 1 to 100");
  return n;
}

const COLUMNS = ["id", "url", "events", "enabled", "disabled_reason", "created_at"];

export function webhooksCommand(ctx: Context): Command {
  const webhooks = new Command("webhooks").description("Webhook endpoints: signed HTTP POSTs of this tenant's events");

  webhooks
    .command("add")
    .description("Register an endpoint; its signing secret is printed once")
    .argument("<url>", "http:// or https:// URL")
    .option("--events <types>", 'comma-separated event types, or "*" for all', "*")
    .option("--mailbox <ids>", "only events of these mailboxes (acc_…; repeatable, comma-separated)", collect)
    .option("--domain <ids>", "only events of these domains (dom_…; repeatable, comma-separated)", collect)
    .option("--description <text>", "a note for people")
    .action(async (url: string, opts: { events: string; mailbox?: string[]; domain?: string[]; description?: string }) => {
      const input = {
        url,
        events: list(opts.events) as ["*"],
        mailbox_ids: opts.mailbox,
        domain_ids: opts.domain,
        description: opts.description,
      };
      const created = await withSpinner("Registering webhook…", () => ctx.client().webhooks.create.mutate(input), ctx.output());
      printObject(created, ctx.output());
      if (!ctx.output().json)
        process.stdout.write("\nKeep the secret: it is shown only now. Verify requests with it (Standard Webhooks).\n");
    });

  webhooks
    .command("list")
    .description("List this tenant's endpoints (never their secrets)")
    .action(async () => {
      const result = await withSpinner("Loading webhooks…", () => ctx.client().webhooks.list.query(), ctx.output());
      printRows(result.webhooks, COLUMNS, ctx.output(), result);
    });

  webhooks
    .command("show")
    .description("Show an endpoint")
    .argument("<id>", "webhook id (whk_…)")
    .action(async (id: string) => {
      printObject(
        await withSpinner("Loading webhook…", () => ctx.client().webhooks.get.query({ id }), ctx.output()),
        ctx.output(),
      );
    });

  webhooks
    .command("update")
    .description("Change an endpoint's URL, events, filters or description")
    .argument("<id>", "webhook id (whk_…)")
    .option("--url <url>", "a new URL")
    .option("--events <types>", 'comma-separated event types, or "*"')
    .option("--mailbox <ids>", "only these mailboxes (replaces the filter)", collect)
    .option("--domain <ids>", "only these domains (replaces the filter)", collect)
    .option("--description <text>", "a note for people")
    .action(
      async (
        id: string,
        opts: { url?: string; events?: string; mailbox?: string[]; domain?: string[]; description?: string },
      ) => {
        const input = {
          id,
          url: opts.url,
          events: opts.events === undefined ? undefined : (list(opts.events) as ["*"]),
          mailbox_ids: opts.mailbox,
          domain_ids: opts.domain,
          description: opts.description,
        };
        const updated = await withSpinner("Updating webhook…", () => ctx.client().webhooks.update.mutate(input), ctx.output());
        printObject(updated, ctx.output());
      },
    );

  for (const [name, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    webhooks
      .command(name)
      .description(enabled ? "Enable an endpoint (again); pending deliveries resume" : "Stop deliveries to an endpoint")
      .argument("<id>", "webhook id (whk_…)")
      .action(async (id: string) => {
        const updated = await withSpinner(
          "Updating webhook…",
          () => ctx.client().webhooks.update.mutate({ id, enabled }),
          ctx.output(),
        );
        printObject(updated, ctx.output());
      });
  }

  webhooks
    .command("rm")
    .description("Delete an endpoint and its deliveries")
    .argument("<id>", "webhook id (whk_…)")
    .action(async (id: string) => {
      const result = await withSpinner("Deleting webhook…", () => ctx.client().webhooks.delete.mutate({ id }), ctx.output());
      printObject({ id, ...result }, ctx.output());
    });

  webhooks
    .command("rotate-secret")
    .description("A new signing secret (printed once); the old one keeps signing for 24 hours")
    .argument("<id>", "webhook id (whk_…)")
    .action(async (id: string) => {
      const rotated = await withSpinner(
        "Rotating secret…",
        () => ctx.client().webhooks.rotateSecret.mutate({ id }),
        ctx.output(),
      );
      printObject(rotated, ctx.output());
    });

  webhooks
    .command("test")
    .description("Send a webhook.test event now and show what came of it")
    .argument("<id>", "webhook id (whk_…)")
    .action(async (id: string) => {
      const result = await withSpinner("Sending test event…", () => ctx.client().webhooks.test.mutate({ id }), ctx.output());
      printObject(result, ctx.output());
      if (!result.success) process.exitCode = 1;
    });

  webhooks
    .command("deliveries")
    .description("An endpoint's deliveries, newest first")
    .argument("<id>", "webhook id (whk_…)")
    .option("--status <status>", "pending, succeeded or failed")
    .option("--limit <n>", "at most this many (1-100)", limit)
    .option("--cursor <cursor>", "the next_cursor of the previous page")
    .action(async (id: string, opts: { status?: "pending" | "succeeded" | "failed"; limit?: number; cursor?: string }) => {
      const page = await withSpinner(
        "Loading deliveries…",
        () => ctx.client().webhooks.deliveries.query({ id, ...opts }),
        ctx.output(),
      );
      printRows(
        page.deliveries,
        ["id", "event_type", "status", "attempts", "last_http_status", "last_error", "next_attempt_at", "created_at"],
        ctx.output(),
        page,
      );
      if (!ctx.output().json && page.next_cursor) process.stdout.write(`next page: --cursor ${page.next_cursor}\n`);
    });

  webhooks
    .command("retry")
    .description("Send a delivery again now, even one that failed")
    .argument("<id>", "webhook id (whk_…)")
    .argument("<delivery_id>", "delivery id (whd_…)")
    .action(async (id: string, deliveryId: string) => {
      const delivery = await withSpinner(
        "Queueing delivery…",
        () => ctx.client().webhooks.retryDelivery.mutate({ id, delivery_id: deliveryId }),
        ctx.output(),
      );
      printObject(delivery, ctx.output());
    });

  webhooks
    .command("replay")
    .description("Send past events again (those the endpoint's filters match; at most 10,000 per call)")
    .argument("<id>", "webhook id (whk_…)")
    .requiredOption("--since <time>", "from this ISO-8601 time, or this long ago (2h, 7d)", pastTime)
    .option("--until <time>", "before this ISO-8601 time, or this long ago", pastTime)
    .option("--types <types>", "only these comma-separated event types")
    .action(async (id: string, opts: { since: string; until?: string; types?: string }) => {
      const input = {
        id,
        since: opts.since,
        until: opts.until,
        types: opts.types ? (list(opts.types) as ["message.received"]) : undefined,
      };
      const result = await withSpinner("Queueing events…", () => ctx.client().webhooks.replay.mutate(input), ctx.output());
      printObject(result, ctx.output());
    });

  return webhooks;
}
