import { newId } from "@mailroom/core";
import { getTestDatabase } from "./test-database.js";

/**
 * A tenant-owned domain row, written straight to the database because the domains API (issue 3)
 * is not on this branch. The DKIM fields are obviously fake; switch to the API once it lands.
 */
export async function insertTestDomain(
  tenantId: string,
  name: string,
  status: "pending_verification" | "active" | "failed" = "pending_verification",
): Promise<{ id: string; name: string }> {
  const { db } = await getTestDatabase();
  const id = newId("domain");
  await db
    .insertInto("domains")
    .values({
      id,
      tenant_id: tenantId,
      name,
      status,
      verification_token: `test-token-${id}`,
      dkim_selector: "test",
      dkim_private_key: "FAKE-TEST-DKIM-PRIVATE-KEY",
      dkim_public_key: "FAKE-TEST-DKIM-PUBLIC-KEY",
      verified_at: status === "active" ? new Date() : null,
      checked_at: null,
      next_check_at: null,
      failure_reason: null,
      last_check: null,
    })
    .execute();
  return { id, name };
}

/** A domain name no other test uses. */
export function uniqueDomain(label = "example"): string {
  return `${label}-${Math.random().toString(36).slice(2, 10)}.test`;
}

/** A local part no other test uses (4–64 characters). */
export function uniqueLocal(label = "box"): string {
  return `${label}${Math.random().toString(36).slice(2, 10)}`;
}
