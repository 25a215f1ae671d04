import type { Kysely } from "kysely";

// Frozen in time: imports only kysely, never the app's current code.
export async function up(db: Kysely<any>): Promise<void> {
  // The mailbox that takes mail for unknown local parts of a custom domain. Deleting that mailbox
  // clears it (mail to unknown addresses is then refused again), never the domain.
  await db.schema
    .alterTable("domains")
    .addColumn("catch_all_mailbox_id", "text", (c) => c.references("mailboxes.id").onDelete("set null"))
    .execute();
  // The `+tag` of the address a copy was accepted for (`orders` for info+orders@…); null without one.
  await db.schema.alterTable("messages").addColumn("to_tag", "text").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("messages").dropColumn("to_tag").execute();
  await db.schema.alterTable("domains").dropColumn("catch_all_mailbox_id").execute();
}
