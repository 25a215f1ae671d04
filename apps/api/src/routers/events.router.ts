import { eventTypesOf, zEventListInput, zEventListOutput } from "@mailroom/contracts";
import { mailboxProcedure, router } from "../trpc.js";

const tags = ["Events"];

export const eventsRouter = router({
  list: mailboxProcedure
    .meta({
      openapi: {
        method: "GET",
        path: "/events",
        tags,
        summary: "List this tenant's events, oldest first (GET /events/stream streams them as they happen)",
      },
    })
    .input(zEventListInput)
    .output(zEventListOutput)
    .query(async ({ ctx, input }) => {
      // A mailbox token reads only the events about its mailbox.
      const page = await ctx.core.events.list(ctx.scope.tenantId, {
        types: eventTypesOf(input.type),
        mailboxId: ctx.scope.mailboxId,
        since: input.since === undefined ? undefined : new Date(input.since),
        cursor: input.cursor,
        limit: input.limit,
      });
      return { events: page.events, next_cursor: page.nextCursor };
    }),
});
