import { writeFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ADMIN_KEY_PREFIX } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { randomSecret } from "../ids.js";
import { findServerSecretHash, insertServerSecretHash } from "./api-key.repository.js";
import { hashSecret } from "./secret-hash.js";

const ADMIN_SECRET = "admin_key";

/**
 * The admin key's hash. MAILROOM_ADMIN_KEY wins when set. Otherwise the first start generates a key,
 * stores only its hash, and writes the secret once to <data dir>/admin.key (mode 0600).
 */
export async function ensureAdminKey(deps: CoreDeps): Promise<{ hash: string; writtenTo: string | null }> {
  if (deps.config.adminKey) return { hash: hashSecret(deps.config.adminKey), writtenTo: null };

  const existing = await findServerSecretHash(deps.db, ADMIN_SECRET);
  if (existing) return { hash: existing, writtenTo: null };

  const secret = `${ADMIN_KEY_PREFIX}${randomSecret(40)}`;
  const hash = hashSecret(secret);
  // Write the file before committing the hash: a crash in between must not leave a key nobody has.
  const dir = resolve(deps.config.dataDir);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "admin.key");
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  const inserted = await insertServerSecretHash(deps.db, ADMIN_SECRET, hash);
  if (!inserted) {
    // Another process won the race; its key is the admin key.
    const winner = await findServerSecretHash(deps.db, ADMIN_SECRET);
    if (!winner) throw new Error("admin key vanished during start-up");
    return { hash: winner, writtenTo: null };
  }
  deps.logger.info({ path }, "generated the admin key; it was written once to this file");
  return { hash, writtenTo: path };
}
