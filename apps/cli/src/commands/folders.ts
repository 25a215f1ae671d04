import { Command } from "commander";
import { ACCOUNT_ARGUMENT, resolveAccount } from "../account-ref.js";
import { CliError } from "../cli-error.js";
import type { Context } from "../context.js";
import { printObject, printRows, withSpinner } from "../output.js";

const FOLDER_ARGUMENT = "a folder's name (Work/Projects) or id (fld_…)";

/** A folder id as given, or the id of the account's folder of that name. */
async function resolveFolder(ctx: Context, account: string, ref: string): Promise<string> {
  if (/^fld_[0-9a-z]{26}$/.test(ref)) return ref;
  const { folders } = await ctx.client().folders.list.query({ id: account });
  const match =
    folders.find((f) => f.name === ref) ?? (ref.toUpperCase() === "INBOX" ? folders.find((f) => f.name === "INBOX") : undefined);
  if (!match) throw new CliError(`No folder ${JSON.stringify(ref)} in this account (\`mailroom folders list\` shows them)`);
  return match.id;
}

/** `mailroom folders list|add|rename|rm`: an account's folders. */
export function foldersCommand(ctx: Context): Command {
  const folders = new Command("folders").description("An account's folders (the ones IMAP clients show)");

  folders
    .command("list")
    .description("List the folders with their message counts, INBOX first")
    .argument("<account>", ACCOUNT_ARGUMENT)
    .action(async (ref: string) => {
      const account = await resolveAccount(ctx, ref);
      const res = await withSpinner("Fetching folders…", () => ctx.client().folders.list.query({ id: account }), ctx.output());
      const rows = res.folders.map((f) => ({
        id: f.id,
        name: f.name,
        use: f.special_use ?? "",
        total: f.total,
        unseen: f.unseen,
      }));
      printRows(rows, ["id", "name", "use", "total", "unseen"], ctx.output(), res);
    });

  folders
    .command("add")
    .description("Create a folder (levels separated by /)")
    .argument("<account>", ACCOUNT_ARGUMENT)
    .argument("<name>", "the new folder's full name, e.g. Work/Projects")
    .action(async (ref: string, name: string) => {
      const account = await resolveAccount(ctx, ref);
      const folder = await withSpinner(
        "Creating…",
        () => ctx.client().folders.create.mutate({ id: account, name }),
        ctx.output(),
      );
      printObject(folder, ctx.output());
    });

  folders
    .command("rename")
    .description("Rename a folder; its subfolders move with it (renaming INBOX moves its messages)")
    .argument("<account>", ACCOUNT_ARGUMENT)
    .argument("<folder>", FOLDER_ARGUMENT)
    .argument("<name>", "the new full name")
    .action(async (ref: string, folderRef: string, name: string) => {
      const account = await resolveAccount(ctx, ref);
      const folder = await withSpinner(
        "Renaming…",
        async () =>
          ctx.client().folders.rename.mutate({ id: account, folder_id: await resolveFolder(ctx, account, folderRef), name }),
        ctx.output(),
      );
      printObject(folder, ctx.output());
    });

  folders
    .command("rm")
    .description("Delete a folder and its messages (INBOX cannot be deleted)")
    .argument("<account>", ACCOUNT_ARGUMENT)
    .argument("<folder>", FOLDER_ARGUMENT)
    .action(async (ref: string, folderRef: string) => {
      const account = await resolveAccount(ctx, ref);
      const folderId = await resolveFolder(ctx, account, folderRef);
      const res = await withSpinner(
        "Deleting…",
        () => ctx.client().folders.delete.mutate({ id: account, folder_id: folderId }),
        ctx.output(),
      );
      printObject({ id: folderId, ...res }, ctx.output());
    });

  return folders;
}

/** `+\Flagged` adds, `-\Seen` removes; a bare flag adds. */
export function parseFlagArguments(args: string[]): { add: string[]; remove: string[] } {
  const add: string[] = [];
  const remove: string[] = [];
  for (const arg of args) {
    if (arg.startsWith("-")) remove.push(arg.slice(1));
    else add.push(arg.startsWith("+") ? arg.slice(1) : arg);
  }
  return { add, remove };
}

/** `mailroom move <message> <folder>` and `mailroom flag <message> +\Flagged -\Seen`. */
export function folderMessageCommands(ctx: Context): Command[] {
  const move = new Command("move")
    .description("Move a message to another folder of its account")
    .argument("<message>", "a message id (msg_…)")
    .argument("<folder>", "the folder's name (Archive, Work/Projects)")
    .action(async (id: string, folder: string) => {
      const m = await withSpinner("Moving…", () => ctx.client().messages.update.mutate({ id, folder }), ctx.output());
      printObject({ id: m.id, subject: m.subject, folder: m.folder, flags: m.flags.join(" ") }, ctx.output());
    });

  const flag = new Command("flag")
    .description("Add (+) or remove (-) flags: \\Seen \\Answered \\Flagged \\Deleted \\Draft, or keywords")
    .argument("<message>", "a message id (msg_…)")
    .argument("<flags...>", "e.g. +\\\\Flagged -\\\\Seen +work (quote backslashes for your shell)")
    // "-\Seen" is a flag to remove, not an option of ours.
    .allowUnknownOption()
    .action(async (id: string, flags: string[]) => {
      const change = parseFlagArguments(flags);
      const m = await withSpinner("Updating…", () => ctx.client().messages.update.mutate({ id, flags: change }), ctx.output());
      printObject({ id: m.id, subject: m.subject, folder: m.folder, flags: m.flags.join(" ") }, ctx.output());
    });

  return [move, flag];
}
