import { zSendInput, zSendResult, zSentMessage, zSentMessageIdInput } from "@mailroom/contracts";
import { router, tenantProcedure } from "../trpc.js";

const tags = ["Sending"];

export const sendRouter = router({
  send: tenantProcedure
    .meta({
      openapi: {
        method: "POST",
        path: "/send",
        tags,
        summary: "Send a message",
        description:
          "From one of your mailboxes or any address on one of your active domains. Hosted recipients get it at " +
          "once; others are queued. Send an Idempotency-Key header to make retries safe (24 h).",
      },
    })
    .input(zSendInput)
    .output(zSendResult)
    .mutation(({ ctx, input }) => ctx.core.sending.send(ctx.tenant.id, input, ctx.idempotencyKey)),
});

/** GET /messages/{id} for a sent message (merged with the received-mail route once issue 5 lands). */
export const sentMessagesRouter = router({
  get: tenantProcedure
    .meta({
      openapi: { method: "GET", path: "/messages/{id}", tags, summary: "A sent message and each recipient's delivery" },
    })
    .input(zSentMessageIdInput)
    .output(zSentMessage)
    .query(({ ctx, input }) => ctx.core.sending.get(ctx.tenant.id, input.id)),
});
