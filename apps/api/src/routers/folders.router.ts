import {
  type Folder,
  zAccountFoldersInput,
  zCreateFolderInput,
  zDeleted,
  zFolder,
  zFolderIdInput,
  zFolderList,
  zUpdateFolderInput,
} from "@mailroom/contracts";
import type { FolderWithCounts } from "@mailroom/core";
import { mailboxProcedure, router } from "../trpc.js";

const tags = ["Folders"];

function toFolder(f: FolderWithCounts): Folder {
  return {
    id: f.id,
    name: f.name,
    special_use: f.specialUse as Folder["special_use"],
    total: f.total,
    unseen: f.unseen,
    uid_validity: f.uidValidity,
    uid_next: f.uidNext,
    subscribed: f.subscribed,
  };
}

/** An account's folders (the hosting-style API); IMAP clients see the same ones. */
export const foldersRouter = router({
  list: mailboxProcedure
    .meta({ openapi: { method: "GET", path: "/accounts/{id}/folders", tags, summary: "List an account's folders with counts" } })
    .input(zAccountFoldersInput)
    .output(zFolderList)
    .query(async ({ ctx, input }) => ({
      folders: (await ctx.core.folders.list(ctx.scope.tenantId, ctx.scope.mailbox(input.id))).map(toFolder),
    })),

  create: mailboxProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/accounts/{id}/folders",
        tags,
        summary: "Create a folder (`a/b` without `a` is allowed, as in IMAP)",
      },
      successStatus: 201,
    })
    .input(zCreateFolderInput)
    .output(zFolder)
    .mutation(async ({ ctx, input }) =>
      toFolder(await ctx.core.folders.create(ctx.scope.tenantId, ctx.scope.mailbox(input.id), input.name)),
    ),

  rename: mailboxProcedure
    .meta({
      openapi: {
        method: "PATCH",
        path: "/accounts/{id}/folders/{folder_id}",
        tags,
        summary: "Rename a folder and its subfolders; renaming INBOX moves its messages to a new folder",
      },
    })
    .input(zUpdateFolderInput)
    .output(zFolder)
    .mutation(async ({ ctx, input }) => {
      const mailboxId = ctx.scope.mailbox(input.id);
      const renamed = await ctx.core.folders.rename(ctx.scope.tenantId, mailboxId, input.folder_id, input.name);
      const listed = (await ctx.core.folders.list(ctx.scope.tenantId, mailboxId)).find((f) => f.id === renamed.id);
      return toFolder(listed ?? { ...renamed, total: 0, unseen: 0 });
    }),

  delete: mailboxProcedure
    .meta({
      openapi: {
        method: "DELETE",
        path: "/accounts/{id}/folders/{folder_id}",
        tags,
        summary: "Delete a folder and its messages (not its subfolders); INBOX cannot be deleted",
      },
    })
    .input(zFolderIdInput)
    .output(zDeleted)
    .mutation(async ({ ctx, input }) => {
      await ctx.core.folders.delete(ctx.scope.tenantId, ctx.scope.mailbox(input.id), input.folder_id);
      return { deleted: true as const };
    }),
});
