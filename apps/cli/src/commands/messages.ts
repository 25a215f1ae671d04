import { Command } from "commander";
import type { Context } from "../context.js";
import { printRows, withSpinner } from "../output.js";

/** `mailroom messages seen|unseen|rm <id>…`: mark or delete received messages. */
export function messageCommands(ctx: Context): Command[] {
  const messages = new Command("messages").description("Mark received messages seen or unseen, or delete them");

  for (const seen of [true, false]) {
    messages
      .command(seen ? "seen" : "unseen")
      .description(`Mark messages ${seen ? "seen" : "unseen"}`)
      .argument("<message...>", "message ids (msg_…)")
      .action(async (ids: string[]) => {
        const updated = await withSpinner(
          "Updating…",
          async () => {
            const out = [];
            for (const id of ids) out.push(await ctx.client().messages.update.mutate({ id, seen }));
            return out;
          },
          ctx.output(),
        );
        const rows = updated.map((m) => ({ id: m.id, subject: m.subject, seen: m.seen ? "yes" : "no" }));
        printRows(rows, ["id", "subject", "seen"], ctx.output(), updated);
      });
  }

  messages
    .command("rm")
    .description("Delete messages")
    .argument("<message...>", "message ids (msg_…)")
    .action(async (ids: string[]) => {
      const deleted = await withSpinner(
        "Deleting…",
        async () => {
          const out = [];
          for (const id of ids) out.push({ id, ...(await ctx.client().messages.delete.mutate({ id })) });
          return out;
        },
        ctx.output(),
      );
      printRows(deleted, ["id", "deleted"], ctx.output(), deleted);
    });

  return [messages];
}
