import { zInboxInput, zInboxOutput, zMessage, zWaitCode, zWaitInput } from "@mailroom/contracts";
import { z } from "zod";
import { mailboxProcedure, router } from "../trpc.js";
import { toInboxMessage, toMessage } from "./message-shapes.js";

const tags = ["Inbox"];

/** The hosting-style API's inbox of an account (mailbox). */
export const inboxRouter = router({
  list: mailboxProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/inbox/{account_id}",
        tags,
        summary: "List an account's messages (INBOX, or `folder`), newest first",
      },
    })
    .input(zInboxInput)
    .output(zInboxOutput)
    .query(async ({ ctx, input }) => {
      const page = await ctx.core.messages.inbox(ctx.scope.tenantId, ctx.scope.mailbox(input.account_id), {
        limit: input.limit,
        cursor: input.cursor,
        unreadOnly: input.unread,
        since: input.since === undefined ? undefined : new Date(input.since),
        folder: input.folder,
      });
      return { messages: page.messages.map(toInboxMessage), next_cursor: page.nextCursor };
    }),

  wait: mailboxProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/inbox/{account_id}/wait",
        tags,
        summary:
          "Wait for a matching message to arrive (200 with it, or 408 after `timeout` seconds); with extract=code, only its first one-time code",
      },
    })
    .input(zWaitInput)
    .output(z.union([zMessage, zWaitCode]))
    .query(async ({ ctx, input }) => {
      const options = {
        timeoutSeconds: input.timeout,
        subject: input.subject,
        from: input.from,
        since: input.since === undefined ? undefined : new Date(input.since),
      };
      const mailboxId = ctx.scope.mailbox(input.account_id);
      if (input.extract === "code") {
        const found = await ctx.core.messages.waitForCode(ctx.scope.tenantId, mailboxId, options);
        return { code: found.code, message_id: found.messageId };
      }
      return toMessage(await ctx.core.messages.wait(ctx.scope.tenantId, mailboxId, options));
    }),
});
