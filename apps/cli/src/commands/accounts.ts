import { createInterface } from "node:readline";
import { Command, Option } from "commander";
import { ACCOUNT_ARGUMENT, resolveAccount } from "../account-ref.js";
import { CliError } from "../cli-error.js";
import type { Context } from "../context.js";
import { parseDuration } from "../duration.js";
import { printObject, printRows, withSpinner } from "../output.js";

/** The first line of stdin, so a password never has to appear in argv or shell history. */
async function readPasswordFromStdin(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  throw new CliError("no password on stdin");
}

async function passwordFrom(opts: { password?: string; passwordStdin?: boolean }): Promise<string> {
  if (opts.passwordStdin) return readPasswordFromStdin();
  if (opts.password !== undefined) return opts.password;
  throw new CliError("give --password <password> or --password-stdin");
}

const passwordOptions = [
  new Option("--password <password>", "the mailbox password (at least 8 characters)"),
  new Option("--password-stdin", "read the password from the first line of stdin").conflicts("password"),
];

/** The hosting-style API's accounts: mailboxes with a password. */
export function accountsCommand(ctx: Context): Command {
  const accounts = new Command("accounts").description("Manage email accounts (mailboxes that sign in with a password)");

  const create = accounts
    .command("create")
    .description("Create an account: <username>@<domain>")
    .requiredOption("--domain <domain>", "a system domain or one of this tenant's domains")
    .requiredOption("--username <username>", "the part before the @ (4–64 characters)")
    .option("--expires-in <duration>", "make it disposable: 90, 30m, 1h, 7d…", parseDuration);
  for (const option of passwordOptions) create.addOption(option);
  create.action(
    async (opts: { domain: string; username: string; password?: string; passwordStdin?: boolean; expiresIn?: number }) => {
      const password = await passwordFrom(opts);
      const account = await withSpinner(
        "Creating account…",
        () =>
          ctx.client().accounts.create.mutate({
            domain: opts.domain,
            username: opts.username,
            password,
            expires_in: opts.expiresIn,
          }),
        ctx.output(),
      );
      printObject(account, ctx.output());
    },
  );

  accounts
    .command("list")
    .description("List accounts, a page at a time")
    .option("--limit <n>", "accounts per page (1–100)", (v) => Number(v), 50)
    .option("--cursor <cursor>", "the next_cursor of the previous page")
    .action(async (opts: { limit: number; cursor?: string }) => {
      const page = await withSpinner("Loading accounts…", () => ctx.client().accounts.list.query(opts), ctx.output());
      printRows(page.accounts, ["id", "email", "status", "expires_at"], ctx.output(), page);
      if (!ctx.output().json) {
        process.stdout.write(`${page.accounts.length} of ${page.total}`);
        process.stdout.write(page.next_cursor ? `; next page: --cursor ${page.next_cursor}\n` : "\n");
      }
    });

  accounts
    .command("show")
    .description("Show an account")
    .argument("<account>", ACCOUNT_ARGUMENT)
    .action(async (ref: string) => {
      const id = await resolveAccount(ctx, ref);
      const account = await withSpinner("Loading account…", () => ctx.client().accounts.get.query({ id }), ctx.output());
      printObject(account, ctx.output());
    });

  const passwd = accounts.command("passwd").description("Set an account's password").argument("<account>", ACCOUNT_ARGUMENT);
  for (const option of passwordOptions) passwd.addOption(option);
  passwd.action(async (ref: string, opts: { password?: string; passwordStdin?: boolean }) => {
    const password = await passwordFrom(opts);
    const id = await resolveAccount(ctx, ref);
    const account = await withSpinner(
      "Setting password…",
      () => ctx.client().accounts.update.mutate({ id, password }),
      ctx.output(),
    );
    printObject(account, ctx.output());
  });

  accounts
    .command("rm")
    .description("Delete an account and its mail; the address becomes free")
    .argument("<account>", ACCOUNT_ARGUMENT)
    .action(async (ref: string) => {
      const id = await resolveAccount(ctx, ref);
      const result = await withSpinner("Deleting account…", () => ctx.client().accounts.delete.mutate({ id }), ctx.output());
      printObject({ id, ...result }, ctx.output());
    });

  return accounts;
}
