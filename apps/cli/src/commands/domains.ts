import { Command, InvalidArgumentError } from "commander";
import type { Context } from "../context.js";
import { printObject, printRows, withSpinner } from "../output.js";
import { formatCheck, toBindLines, toRecordTable } from "./domains-format.js";

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number of seconds");
  return n;
}

function limit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new InvalidArgumentError("must be 1 to 100");
  return n;
}

/** On stderr, so `domains dns --format bind > zone` stays a clean zone file. */
function printWarning(warning: string | null): void {
  if (warning) process.stderr.write(`warning: ${warning}\n`);
}

export function domainsCommand(ctx: Context): Command {
  const domains = new Command("domains").description("Custom domains: add them, publish their DNS records, verify");

  domains
    .command("add")
    .description("Add a domain and print the DNS records to publish")
    .argument("<domain>", "e.g. example.com")
    .action(async (domain: string) => {
      const added = await withSpinner(
        "Adding domain (generating its DKIM key)…",
        () => ctx.client().domains.create.mutate({ domain }),
        ctx.output(),
      );
      if (ctx.output().json) return printObject(added, ctx.output());
      const { dns_records: records, dns_warning: warning, ...rest } = added;
      printObject(rest, ctx.output());
      process.stdout.write(`\nPublish these records, then run \`mailroom domains verify ${added.id}\`:\n\n`);
      process.stdout.write(`${toRecordTable(records)}\n`);
      printWarning(warning);
    });

  domains
    .command("list")
    .description("List this tenant's domains")
    .option("--limit <n>", "at most this many (1-100)", limit)
    .option("--cursor <cursor>", "the next_cursor of the previous page")
    .action(async (opts: { limit?: number; cursor?: string }) => {
      const page = await withSpinner("Loading domains…", () => ctx.client().domains.list.query(opts), ctx.output());
      printRows(page.domains, ["id", "domain", "status", "verified_at", "checked_at"], ctx.output(), page);
      if (!ctx.output().json && page.next_cursor) {
        process.stdout.write(`${page.domains.length} of ${page.total}; next page: --cursor ${page.next_cursor}\n`);
      }
    });

  domains
    .command("show")
    .description("Show a domain and its DNS records")
    .argument("<id>", "domain id (dom_…)")
    .action(async (id: string) => {
      const domain = await withSpinner("Loading domain…", () => ctx.client().domains.get.query({ id }), ctx.output());
      if (ctx.output().json) return printObject(domain, ctx.output());
      const { dns_records: records, dns_warning: warning, ...rest } = domain;
      printObject(rest, ctx.output());
      process.stdout.write(`\n${toRecordTable(records)}\n`);
      printWarning(warning);
    });

  domains
    .command("dns")
    .description("Print the DNS records to publish: a table for a DNS panel, or zone-file lines")
    .argument("<id>", "domain id (dom_…)")
    .option("--format <format>", "table or bind", "table")
    .action(async (id: string, opts: { format: string }) => {
      if (opts.format !== "table" && opts.format !== "bind") {
        throw new InvalidArgumentError(`--format must be table or bind, not ${opts.format}`);
      }
      const dns = await withSpinner("Loading records…", () => ctx.client().domains.dns.query({ id }), ctx.output());
      if (ctx.output().json) return printObject(dns, ctx.output());
      const text = opts.format === "bind" ? toBindLines(dns.domain, dns.records).join("\n") : toRecordTable(dns.records);
      process.stdout.write(`${text}\n`);
      printWarning(dns.warning);
    });

  domains
    .command("verify")
    .description("Look the domain's records up in DNS now; ✓/✗ per record")
    .argument("<id>", "domain id (dom_…)")
    .option("--require-dkim", "the DKIM record must match (the default)")
    .option("--no-require-dkim", "verify without the DKIM record")
    .option("--wait <seconds>", "keep checking until the domain is active or this time runs out", seconds)
    .option("--interval <seconds>", "seconds between checks while waiting", seconds, 10)
    .action(async (id: string, opts: { requireDkim?: boolean; wait?: number; interval: number }) => {
      const input = { id, ...(opts.requireDkim === undefined ? {} : { require_dkim: opts.requireDkim }) };
      const deadline = Date.now() + (opts.wait ?? 0) * 1000;
      const check = () => ctx.client().domains.verify.mutate(input);
      let result = await withSpinner("Looking up DNS records…", check, ctx.output());
      while (opts.wait !== undefined && result.status !== "active" && Date.now() < deadline) {
        const pause = Math.min(Math.max(1, opts.interval) * 1000, Math.max(0, deadline - Date.now()));
        const left = Math.ceil((deadline - Date.now()) / 1000);
        result = await withSpinner(
          `Status ${result.status}; checking again (${left} s left)…`,
          async () => {
            await new Promise((resolve) => setTimeout(resolve, pause));
            return check();
          },
          ctx.output(),
        );
      }
      if (ctx.output().json) {
        printObject(result, ctx.output());
      } else {
        process.stdout.write(`${result.domain} (${result.id}): ${result.status}\n`);
        for (const record of result.records) process.stdout.write(`${formatCheck(record)}\n`);
      }
      // Scripts (and CI) read the exit status: only an active domain is a success.
      if (result.status !== "active") {
        const waited = opts.wait === undefined ? "" : ` after ${opts.wait} s`;
        process.stderr.write(`error: ${result.domain} is ${result.status}${waited}\n`);
        process.exitCode = 1;
      }
    });

  domains
    .command("rm")
    .description("Delete a domain")
    .argument("<id>", "domain id (dom_…)")
    .option("--force", "also delete its mailboxes and their mail")
    .action(async (id: string, opts: { force?: boolean }) => {
      const input = { id, ...(opts.force ? { force: "true" as const } : {}) };
      const remove = () => ctx.client().domains.delete.mutate(input);
      const result = await withSpinner("Deleting domain…", remove, ctx.output());
      printObject({ id, ...result }, ctx.output());
    });

  return domains;
}
