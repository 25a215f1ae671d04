import { zSendInput, zSendResult } from "@mailroom/contracts";
import { mailboxProcedure, router } from "../trpc.js";

const tags = ["Sending"];

export const sendRouter = router({
  send: mailboxProcedure
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
      messageSizedBody: true,
    })
    .input(zSendInput)
    .output(zSendResult)
    .mutation(({ ctx, input }) => ctx.core.sending.send(ctx.scope.tenantId, input, ctx.idempotencyKey, ctx.scope.onlyAs)),
});
