import {
  zCreateEmailInput,
  zEmail,
  zEmailDeleted,
  zEmailIdInput,
  zEmailPage,
  zListEmailsInput,
  zSuccess,
  zUpdateEmailInput,
  type Email,
} from "@mailroom/contracts";
import type { MailboxView } from "@mailroom/core";
import { mailboxProcedure, router, tenantProcedure } from "../trpc.js";

const tags = ["Emails"];

/** The temp-mail-style API's shape of a mailbox. */
export function toEmail(m: MailboxView): Email {
  return {
    id: m.id,
    email: m.address,
    tag: m.tag,
    like: m.liked,
    pin: m.pinned,
    receiving: m.receiving,
    createdAt: m.createdAt.toISOString(),
    expiresAt: m.expiresAt?.toISOString() ?? null,
  };
}

const ok = <T>(data: T) => ({ success: true as const, data });

/** The temp-mail-style API's dialect: camelCase inside `{ success: true, data }`. */
export const emailsRouter = router({
  create: tenantProcedure
    .meta({
      // The temp-mail-style API shows no status for a create; 201 matches every other create in this API.
      openapi: { method: "POST", path: "/emails/create", tags, summary: "Create an email address" },
      successStatus: 201,
    })
    .input(zCreateEmailInput)
    .output(zSuccess(zEmail))
    .mutation(async ({ ctx, input }) =>
      ok(
        toEmail(
          await ctx.core.mailboxes.create(ctx.tenant.id, {
            address: input.email,
            tag: input.tag,
            expiresIn: input.expiresIn,
            expiresAt: input.expiresAt,
          }),
        ),
      ),
    ),

  list: tenantProcedure
    .meta({ openapi: { method: "GET", path: "/emails", tags, summary: "List email addresses (pinned first, newest first)" } })
    .input(zListEmailsInput)
    .output(zSuccess(zEmailPage))
    .query(async ({ ctx, input }) => {
      const { mailboxes, total } = await ctx.core.mailboxes.search(ctx.tenant.id, input);
      return ok({
        emails: mailboxes.map(toEmail),
        total,
        page: input.page,
        pageSize: input.pageSize,
        totalPages: Math.ceil(total / input.pageSize),
      });
    }),

  get: mailboxProcedure
    .meta({ openapi: { method: "GET", path: "/emails/{id}", tags, summary: "Show an email address" } })
    .input(zEmailIdInput)
    .output(zSuccess(zEmail))
    .query(async ({ ctx, input }) => ok(toEmail(await ctx.core.mailboxes.get(ctx.scope.tenantId, ctx.scope.mailbox(input.id))))),

  update: tenantProcedure
    .meta({ openapi: { method: "PATCH", path: "/emails/{id}", tags, summary: "Change an address's tag, like, pin or expiry" } })
    .input(zUpdateEmailInput)
    .output(zSuccess(zEmail))
    .mutation(async ({ ctx, input }) =>
      ok(
        toEmail(
          await ctx.core.mailboxes.update(ctx.tenant.id, input.id, {
            tag: input.tag,
            liked: input.like,
            pinned: input.pin,
            expiresIn: input.expiresIn,
            expiresAt: input.expiresAt,
          }),
        ),
      ),
    ),

  delete: tenantProcedure
    .meta({ openapi: { method: "DELETE", path: "/emails/{id}", tags, summary: "Delete an email address and its mail" } })
    .input(zEmailIdInput)
    .output(zSuccess(zEmailDeleted))
    .mutation(async ({ ctx, input }) => {
      await ctx.core.mailboxes.delete(ctx.tenant.id, input.id);
      return ok({ id: input.id, deleted: true as const });
    }),
});
