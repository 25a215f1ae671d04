import {
  zDeleted,
  zEmailMessage,
  zEmailMessageInput,
  zEmailMessagePage,
  zEmailMessagesInput,
  zMessage,
  zMessageIdInput,
  zSentMessage,
  zSuccess,
  zUpdateMessageInput,
} from "@mailroom/contracts";
import { z } from "zod";
import { mailboxProcedure, router } from "../trpc.js";
import { toEmailMessage, toEmailMessageSummary, toMessage } from "./message-shapes.js";

const tags = ["Messages"];
const ok = <T>(data: T) => ({ success: true as const, data });

/**
 * Received messages. Document 1: /messages/{id}. Document 2: /emails/{id}/messages in its envelope.
 * The raw message and attachments are bytes, not JSON: http/message-downloads.ts serves them.
 */
export const messagesRouter = router({
  get: mailboxProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/messages/{id}",
        tags,
        summary:
          "Show a message: a received one (headers, text, html, attachments, auth results) or a sent one (each recipient's delivery)",
      },
    })
    .input(zMessageIdInput)
    .output(z.union([zMessage, zSentMessage]))
    .query(async ({ ctx, input }) => {
      // Sent messages answer here too: same msg_ ids, so a sender can follow its delivery.
      const id = await ctx.scope.message(input.id);
      const sent = await ctx.core.sending.find(ctx.scope.tenantId, id);
      if (sent) return sent;
      return toMessage(await ctx.core.messages.get(ctx.scope.tenantId, id));
    }),

  update: mailboxProcedure
    .meta({
      openapi: {
        method: "PATCH",
        path: "/messages/{id}",
        tags,
        summary: "Change a message's flags (seen, or flags to add and remove) and move it to another folder",
      },
    })
    .input(zUpdateMessageInput)
    .output(zMessage)
    .mutation(async ({ ctx, input }) =>
      toMessage(
        await ctx.core.messages.update(ctx.scope.tenantId, await ctx.scope.message(input.id), {
          seen: input.seen,
          flags: input.flags,
          folder: input.folder,
        }),
      ),
    ),

  delete: mailboxProcedure
    .meta({ openapi: { method: "DELETE", path: "/messages/{id}", tags, summary: "Delete a message" } })
    .input(zMessageIdInput)
    .output(zDeleted)
    .mutation(async ({ ctx, input }) => {
      await ctx.core.messages.delete(ctx.scope.tenantId, await ctx.scope.message(input.id));
      return { deleted: true as const };
    }),

  emailMessages: mailboxProcedure
    .meta({
      openapi: { method: "GET", path: "/emails/{id}/messages", tags, summary: "List an email address's messages (document 2)" },
    })
    .input(zEmailMessagesInput)
    .output(zSuccess(zEmailMessagePage))
    .query(async ({ ctx, input }) => {
      const { messages, total } = await ctx.core.messages.page(ctx.scope.tenantId, ctx.scope.mailbox(input.id), input);
      return ok({
        messages: messages.map(toEmailMessageSummary),
        total,
        page: input.page,
        pageSize: input.pageSize,
        totalPages: Math.ceil(total / input.pageSize),
      });
    }),

  emailMessage: mailboxProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/emails/{id}/messages/{message_id}",
        tags,
        summary: "Show one message of an email address (document 2)",
      },
    })
    .input(zEmailMessageInput)
    .output(zSuccess(zEmailMessage))
    .query(async ({ ctx, input }) =>
      ok(toEmailMessage(await ctx.core.messages.getInMailbox(ctx.scope.tenantId, ctx.scope.mailbox(input.id), input.message_id))),
    ),
});
