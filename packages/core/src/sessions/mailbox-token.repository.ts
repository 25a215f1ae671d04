import { sql } from "kysely";
import type { Executor } from "../db/database.js";
import type { TenantRow } from "../tenants/tenant.table.js";
import type { MailboxTokenRow, NewMailboxTokenRow } from "./mailbox-token.table.js";

export async function insertMailboxToken(db: Executor, row: NewMailboxTokenRow): Promise<MailboxTokenRow> {
  return db.insertInto("mailbox_tokens").values(row).returningAll().executeTakeFirstOrThrow();
}

/** Revoking deletes: nothing of a revoked token is worth keeping (only its hash was stored). */
export async function deleteMailboxToken(db: Executor, id: string): Promise<boolean> {
  const result = await db.deleteFrom("mailbox_tokens").where("id", "=", id).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n) > 0;
}

export async function deleteExpiredMailboxTokens(db: Executor): Promise<number> {
  const result = await db.deleteFrom("mailbox_tokens").where("expires_at", "<=", sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0n);
}

export interface TokenWithMailboxCounted {
  tokenId: string;
  expiresAt: Date;
  /** False when the token, or its mailbox, can no longer be used (expired, disabled); not counted then. */
  live: boolean;
  passwordStamp: string;
  mailbox: { id: string; address: string; passwordHash: string | null };
  tenant: TenantRow;
  count: number;
  windowStart: Date;
}

/**
 * A token with its mailbox and tenant, and this request counted against the token in the current
 * one-minute window, in ONE statement (the same shape as an API key's look-up). A token whose
 * mailbox is gone is gone too (the foreign key cascades). Run on the counters connection.
 */
export async function findTokenAndCountRequest(db: Executor, secretHash: string): Promise<TokenWithMailboxCounted | undefined> {
  const { rows } = await sql<{
    token_id: string;
    expires_at: Date;
    live: boolean;
    password_stamp: string;
    mailbox_id: string;
    address: string;
    password_hash: string | null;
    tenant_id: string;
    tenant_name: string;
    tenant_plan: TenantRow["plan"];
    tenant_created_at: Date;
    count: number | null;
    window_start: Date | null;
  }>`
    with found as (
      select t.id as token_id, t.expires_at, t.password_stamp,
             (t.expires_at > now() and m.status = 'active' and (m.expires_at is null or m.expires_at > now())) as live,
             m.id as mailbox_id, m.address, m.password_hash,
             n.id as tenant_id, n.name as tenant_name, n.plan as tenant_plan, n.created_at as tenant_created_at
      from mailbox_tokens t
      join mailboxes m on m.id = t.mailbox_id
      join tenants n on n.id = t.tenant_id
      where t.secret_hash = ${secretHash}
    ), counted as (
      insert into rate_limit_windows (subject, window_start, count)
      select token_id, date_trunc('minute', now()), 1 from found where live
      on conflict (subject, window_start) do update set count = rate_limit_windows.count + excluded.count
      returning count, window_start
    )
    select found.*, counted.count, counted.window_start from found left join counted on true
  `.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  return {
    tokenId: row.token_id,
    expiresAt: row.expires_at,
    live: row.live,
    passwordStamp: row.password_stamp,
    mailbox: { id: row.mailbox_id, address: row.address, passwordHash: row.password_hash },
    tenant: { id: row.tenant_id, name: row.tenant_name, plan: row.tenant_plan, created_at: row.tenant_created_at },
    count: row.count ?? 0,
    windowStart: row.window_start ?? new Date(),
  };
}
