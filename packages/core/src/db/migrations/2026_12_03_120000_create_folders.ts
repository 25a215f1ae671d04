import { randomBytes } from "node:crypto";
import { type Kysely, sql } from "kysely";

// Frozen in time: imports only kysely (and node:crypto), never the app's current code.

/** The folders every mailbox is given, with their RFC 6154 special use. */
const STANDARD_FOLDERS: [name: string, specialUse: string | null][] = [
  ["INBOX", null],
  ["Sent", "\\Sent"],
  ["Drafts", "\\Drafts"],
  ["Trash", "\\Trash"],
  ["Junk", "\\Junk"],
  ["Archive", "\\Archive"],
];

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** A `fld_` id in the app's layout (time then randomness), as of the migration. */
function folderId(): string {
  let time = Date.now();
  let head = "";
  for (let i = 0; i < 10; i++) {
    head = ALPHABET[time % 32]! + head;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(16);
  let tail = "";
  for (let i = 0; i < 16; i++) tail += ALPHABET[random[i]! % 32];
  return `fld_${head}${tail}`;
}

export async function up(db: Kysely<any>): Promise<void> {
  // IMAP's UIDVALIDITY must change whenever a name is reused for a new folder: one server-wide
  // sequence, starting at the migration's Unix time, gives every folder its own (32-bit) value.
  const start = Math.floor(Date.now() / 1000);
  await sql`create sequence folder_uid_validity_seq start with ${sql.lit(start)}`.execute(db);

  await db.schema
    .createTable("folders")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("tenant_id", "text", (c) => c.notNull().references("tenants.id").onDelete("cascade"))
    .addColumn("mailbox_id", "text", (c) => c.notNull().references("mailboxes.id").onDelete("cascade"))
    // The full path, `/` between levels; "INBOX" exactly for the inbox.
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("special_use", "text")
    .addColumn("uid_validity", "bigint", (c) => c.notNull().defaultTo(sql`nextval('folder_uid_validity_seq')`))
    // The UID the next message stored here gets; UIDs only ever grow.
    .addColumn("uid_next", "bigint", (c) => c.notNull().defaultTo(1))
    // CONDSTORE: raised by every change in the folder (new message, flag change, expunge).
    .addColumn("highest_modseq", "bigint", (c) => c.notNull().defaultTo(1))
    .addColumn("subscribed", "boolean", (c) => c.notNull().defaultTo(true))
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint("folders_mailbox_name_key", ["mailbox_id", "name"])
    .execute();

  await db.schema
    .alterTable("messages")
    .addColumn("folder_id", "text", (c) => c.references("folders.id").onDelete("cascade"))
    .addColumn("uid", "bigint")
    .addColumn("modseq", "bigint", (c) => c.notNull().defaultTo(1))
    .addColumn("answered", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("flagged", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("deleted", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("draft", "boolean", (c) => c.notNull().defaultTo(false))
    .addColumn("keywords", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();

  // Every existing mailbox gets its folders; its INBOX's id is derived from the mailbox's, so
  // storing a new message never has to look the INBOX up.
  const mailboxes = await db.selectFrom("mailboxes").select(["id", "tenant_id"]).execute();
  for (let i = 0; i < mailboxes.length; i += 500) {
    const rows = mailboxes.slice(i, i + 500).flatMap((m: { id: string; tenant_id: string }) =>
      STANDARD_FOLDERS.map(([name, specialUse]) => ({
        id: name === "INBOX" ? `fld_${m.id.slice(m.id.indexOf("_") + 1)}` : folderId(),
        tenant_id: m.tenant_id,
        mailbox_id: m.id,
        name,
        special_use: specialUse,
      })),
    );
    if (rows.length > 0) await db.insertInto("folders").values(rows).execute();
  }

  // Existing mail moves into INBOX, numbered in the order it arrived.
  await sql`
    update messages m set folder_id = 'fld_' || substr(m.mailbox_id, strpos(m.mailbox_id, '_') + 1), uid = r.rn
    from (select id, row_number() over (partition by mailbox_id order by id) as rn from messages) r
    where r.id = m.id`.execute(db);
  await sql`
    update folders f set uid_next = coalesce((select max(uid) from messages where folder_id = f.id), 0) + 1`.execute(db);

  await db.schema
    .alterTable("messages")
    .alterColumn("folder_id", (c) => c.setNotNull())
    .execute();
  await db.schema
    .alterTable("messages")
    .alterColumn("uid", (c) => c.setNotNull())
    .execute();
  await db.schema.createIndex("messages_folder_uid_key").unique().on("messages").columns(["folder_id", "uid"]).execute();
  await db.schema.createIndex("messages_folder_modseq_idx").on("messages").columns(["folder_id", "modseq"]).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("messages_folder_modseq_idx").execute();
  await db.schema.dropIndex("messages_folder_uid_key").execute();
  for (const column of ["keywords", "draft", "deleted", "flagged", "answered", "modseq", "uid", "folder_id"]) {
    await db.schema.alterTable("messages").dropColumn(column).execute();
  }
  await db.schema.dropTable("folders").execute();
  await sql`drop sequence folder_uid_validity_seq`.execute(db);
}
