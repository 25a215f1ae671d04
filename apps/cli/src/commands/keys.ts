import { Command } from "commander";
import type { Context } from "../context.js";
import { printObject, printRows, withSpinner } from "../output.js";

export function keysCommand(ctx: Context): Command {
  const keys = new Command("keys").description("Manage this tenant's API keys");

  keys
    .command("list")
    .description("List active API keys (never their secrets)")
    .action(async () => {
      const result = await withSpinner("Loading keys…", () => ctx.client().keys.list.query(), ctx.output());
      printRows(result.keys, ["id", "name", "prefix", "created_at", "last_used_at"], ctx.output(), result);
    });

  keys
    .command("create")
    .description("Create an API key; the secret is printed once")
    .option("--name <name>", "a label for the key")
    .action(async (opts: { name?: string }) => {
      const key = await withSpinner("Creating key…", () => ctx.client().keys.create.mutate(opts), ctx.output());
      printObject(key, ctx.output());
    });

  keys
    .command("revoke")
    .description("Revoke an API key")
    .argument("<id>", "key id (key_…)")
    .action(async (id: string) => {
      const result = await withSpinner("Revoking key…", () => ctx.client().keys.revoke.mutate({ id }), ctx.output());
      printObject({ id, ...result }, ctx.output());
    });

  return keys;
}

export function whoamiCommand(ctx: Context): Command {
  return new Command("whoami").description("Show who the API key acts as").action(async () => {
    const me = await withSpinner("Asking the server…", () => ctx.client().keys.whoami.query(), ctx.output());
    if (ctx.output().json) return printObject(me, ctx.output());
    printObject(
      {
        kind: me.kind,
        tenant: me.tenant ? `${me.tenant.name} (${me.tenant.id}, ${me.tenant.plan})` : null,
        key_id: me.key_id,
        rate_limit: `${me.rate_limit.limit} requests / ${me.rate_limit.window_seconds} s`,
      },
      ctx.output(),
    );
  });
}
