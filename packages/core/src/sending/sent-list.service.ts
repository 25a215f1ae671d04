import type { SentListItem } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { listTenantSentMessages, type SentListQuery, type SentListRow } from "../delivery/sent-list.repository.js";

/** The hosting-style API's sent messages: the tenant's own only, newest first, keyset pages. */
export async function listSentMessages(
  deps: CoreDeps,
  tenantId: string,
  query: SentListQuery,
): Promise<{ messages: SentListItem[]; nextCursor: string | null }> {
  const rows = await listTenantSentMessages(deps.db, tenantId, { ...query, limit: query.limit + 1 });
  const messages = rows.slice(0, query.limit).map(toSentListItem);
  return { messages, nextCursor: rows.length > query.limit ? messages[messages.length - 1]!.id : null };
}

function toSentListItem(row: SentListRow): SentListItem {
  return {
    id: row.id,
    from: row.from_address,
    to: row.to_addresses,
    cc: row.cc_addresses,
    subject: row.subject,
    tags: row.tags,
    source: row.source,
    status: row.status,
    recipients: row.recipients,
    created_at: row.created_at.toISOString(),
  };
}
