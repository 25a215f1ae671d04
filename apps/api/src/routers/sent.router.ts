import { zSentListInput, zSentListOutput } from "@mailroom/contracts";
import { router, tenantProcedure } from "../trpc.js";

const tags = ["Sending"];

/** The hosting-style API's list of sent messages; GET /messages/{id} shows one with each recipient. */
export const sentRouter = router({
  list: tenantProcedure
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
      const page = await ctx.core.sending.list(ctx.tenant.id, input);
      return { messages: page.messages, next_cursor: page.nextCursor };
    }),
});
