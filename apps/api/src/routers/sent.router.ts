import { zSentListInput, zSentListOutput } from "@mailroom/contracts";
import { mailboxProcedure, router } from "../trpc.js";

const tags = ["Sending"];

/** The hosting-style API's list of sent messages; GET /messages/{id} shows one with each recipient. */
export const sentRouter = router({
  list: mailboxProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/sent",
        tags,
        summary: "List your sent messages (send API and SMTP submission), newest first",
        description:
          "Each with an overall status from its recipients' deliveries. Filter by `status` or by the sender address " +
          "(`from`); page with `cursor`, the previous page's next_cursor.",
      },
    })
    .input(zSentListInput)
    .output(zSentListOutput)
    .query(async ({ ctx, input }) => {
      // A mailbox token lists what its mailbox sent.
      const page = await ctx.core.sending.list(ctx.scope.tenantId, { ...input, senderMailboxId: ctx.scope.mailboxId });
      return { messages: page.messages, next_cursor: page.nextCursor };
    }),
});
