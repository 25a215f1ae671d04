import { PLANS } from "@mailroom/contracts";
import { Command, Option } from "commander";
import type { Context } from "../context.js";
import { printObject, printRows, withSpinner } from "../output.js";

export function tenantsCommand(ctx: Context): Command {
  const tenants = new Command("tenants").description("Manage tenants (admin key)");

  tenants
    .command("create")
    .description("Create a tenant and print its first API key (shown once)")
    .requiredOption("--name <name>", "tenant name")
    .addOption(new Option("--plan <plan>", "plan").choices(PLANS).default("free"))
    .action(async (opts: { name: string; plan: "free" | "pro" | "lifetime" }) => {
      const tenant = await withSpinner("Creating tenant…", () => ctx.client().tenants.create.mutate(opts), ctx.output());
      printObject(tenant, ctx.output());
    });

  tenants
    .command("list")
    .description("List tenants")
    .action(async () => {
      const result = await withSpinner("Loading tenants…", () => ctx.client().tenants.list.query(), ctx.output());
      printRows(result.tenants, ["id", "name", "plan", "created_at"], ctx.output(), result);
    });

  return tenants;
}
