import { Command } from "commander";
import type { Context } from "../context.js";
import { printRows, withSpinner } from "../output.js";

export function systemDomainsCommand(ctx: Context): Command {
  return new Command("system-domains")
    .description("The server's own domains for new addresses (`emails create`), which are premium, and which your plan may use")
    .action(async () => {
      const res = await withSpinner("Loading system domains…", () => ctx.client().systemDomains.list.query(), ctx.output());
      const rows = res.domains.map((d) => ({
        domain: d.domain,
        premium: d.premium ? "yes" : "no",
        available: d.available ? "yes" : "no",
      }));
      printRows(rows, ["domain", "premium", "available"], ctx.output(), res);
    });
}
