import { Command } from "commander";
import type { Context } from "../context.js";
import { parseDuration } from "../duration.js";
import { printObject, printRows, withSpinner } from "../output.js";

const COLUMNS = ["id", "email", "tag", "like", "pin", "createdAt", "expiresAt"];

/** The temp-mail-style API's addresses: a full address, a tag and like/pin flags. */
export function emailsCommand(ctx: Context): Command {
  const emails = new Command("emails").description("Manage email addresses (the temp-mail-style API)");

  emails
    .command("create")
    .description("Create an address")
    .argument("<email>", "the full address, e.g. myemail@ig.do")
    .option("--tag <tag>", "a label (up to 50 characters)")
    .option("--expires-in <duration>", "make it disposable: 90, 30m, 1h, 7d…", parseDuration)
    .action(async (email: string, opts: { tag?: string; expiresIn?: number }) => {
      const res = await withSpinner(
        "Creating address…",
        () => ctx.client().emails.create.mutate({ email, tag: opts.tag, expiresIn: opts.expiresIn }),
        ctx.output(),
      );
      printObject(res.data, ctx.output());
    });

  emails
    .command("list")
    .description("List addresses, pinned first then newest")
    .option("--page <n>", "page number", (v) => Number(v), 1)
    .option("--page-size <n>", "addresses per page (1–100)", (v) => Number(v), 20)
    .option("--tag <tag>", "only this tag")
    .option("--like", "only liked addresses")
    .option("--pin", "only pinned addresses")
    .option("--search <text>", "part of the address")
    .action(async (opts: { page: number; pageSize: number; tag?: string; like?: boolean; pin?: boolean; search?: string }) => {
      const res = await withSpinner(
        "Loading addresses…",
        () =>
          ctx.client().emails.list.query({
            page: opts.page,
            pageSize: opts.pageSize,
            tag: opts.tag,
            like: opts.like ? "true" : undefined,
            pin: opts.pin ? "true" : undefined,
            search: opts.search,
          }),
        ctx.output(),
      );
      printRows(res.data.emails, COLUMNS, ctx.output(), res);
      if (!ctx.output().json) {
        process.stdout.write(`page ${res.data.page} of ${res.data.totalPages} (${res.data.total} addresses)\n`);
      }
    });

  emails
    .command("update")
    .description("Change an address's tag, like, pin or expiry")
    .argument("<id>", "address id (acc_…)")
    .option("--tag <tag>", "a new tag")
    .option("--no-tag", "remove the tag")
    .option("--like", "mark as liked")
    .option("--no-like", "unmark as liked")
    .option("--pin", "pin to the top of lists")
    .option("--no-pin", "unpin")
    .option("--expires-in <duration>", "expire this long from now: 90, 30m, 1h, 7d…", parseDuration)
    .option("--no-expiry", "never expire")
    .action(
      async (id: string, opts: { tag?: string | false; like?: boolean; pin?: boolean; expiresIn?: number; expiry?: boolean }) => {
        const res = await withSpinner(
          "Updating address…",
          () =>
            ctx.client().emails.update.mutate({
              id,
              tag: opts.tag === false ? null : opts.tag,
              like: opts.like,
              pin: opts.pin,
              expiresIn: opts.expiresIn,
              expiresAt: opts.expiry === false ? null : undefined,
            }),
          ctx.output(),
        );
        printObject(res.data, ctx.output());
      },
    );

  emails
    .command("rm")
    .description("Delete an address and its mail; the address becomes free")
    .argument("<id>", "address id (acc_…)")
    .action(async (id: string) => {
      const res = await withSpinner("Deleting address…", () => ctx.client().emails.delete.mutate({ id }), ctx.output());
      printObject(res.data, ctx.output());
    });

  return emails;
}
