import { mkdirSync, unlinkSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { join, resolve } from "node:path";
import { ADMIN_KEY_PREFIX, ConfigError, type MailroomConfig } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import { randomSecret } from "../ids.js";
import { findServerSecretHash, insertServerSecretHash } from "./api-key.repository.js";
import { hashSecret } from "./secret-hash.js";

const ADMIN_SECRET = "admin_key";
/** How long a start that finds the key file already there waits for its writer to commit the hash. */
const RACE_WAIT_MS = 5_000;

/**
 * Where the admin key of this configuration's database is written: `admin.key` for the embedded
 * database, `admin-<host>-<port>-<database>.key` for a PostgreSQL URL. One file per database, so
 * starting once against another database never replaces the key of the first.
 */
export function adminKeyPath(config: Pick<MailroomConfig, "dataDir" | "databaseUrl">): string {
  const dir = resolve(config.dataDir);
  if (!config.databaseUrl) return join(dir, "admin.key");
  const url = new URL(config.databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || "postgres";
  const identity = `${url.hostname || "localhost"}-${url.port || "5432"}-${database}`.replace(/[^A-Za-z0-9._-]/g, "_");
  return join(dir, `admin-${identity}.key`);
}

/**
 * The admin key's hash. MAILROOM_ADMIN_KEY wins when set. Otherwise the first start on a database
 * generates a key, stores only its hash, and writes the secret once to adminKeyPath (mode 0600).
 * A key file is never overwritten.
 */
export async function ensureAdminKey(deps: CoreDeps): Promise<{ hash: string; writtenTo: string | null }> {
  if (deps.config.adminKey) return { hash: hashSecret(deps.config.adminKey), writtenTo: null };

  const existing = await findServerSecretHash(deps.db, ADMIN_SECRET);
  if (existing) return { hash: existing, writtenTo: null };

  const secret = `${ADMIN_KEY_PREFIX}${randomSecret(40)}`;
  const hash = hashSecret(secret);
  const path = adminKeyPath(deps.config);
  mkdirSync(resolve(deps.config.dataDir), { recursive: true });
  // Write the file before committing the hash: a crash in between must not leave a key nobody has.
  if (!createKeyFile(path, secret)) return { hash: await awaitOtherWriter(deps, path), writtenTo: null };
  const inserted = await insertServerSecretHash(deps.db, ADMIN_SECRET, hash);
  if (!inserted) {
    // Another process (with another data directory) won the race; its key is the admin key, not ours.
    unlinkSync(path);
    const winner = await findServerSecretHash(deps.db, ADMIN_SECRET);
    if (!winner) throw new Error("admin key vanished during start-up");
    return { hash: winner, writtenTo: null };
  }
  deps.logger.info({ path }, "generated the admin key; it was written once to this file");
  return { hash, writtenTo: path };
}

/** Create the key file; false when it is already there. */
function createKeyFile(path: string, secret: string): boolean {
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/**
 * The key file exists but the database has no admin key: either another process sharing this data
 * directory is between writing the file and committing the hash, or the file belongs to a database
 * that was since reset. Wait for the first; refuse (never overwrite) for the second.
 */
async function awaitOtherWriter(deps: CoreDeps, path: string): Promise<string> {
  for (let waited = 0; waited < RACE_WAIT_MS; waited += 100) {
    await sleep(100);
    const hash = await findServerSecretHash(deps.db, ADMIN_SECRET);
    if (hash) return hash;
  }
  throw new ConfigError(
    `${path} already exists, but this database has no admin key: the file holds the key of a database that was ` +
      "reset or replaced. Move the file away to have a new key generated, or set MAILROOM_ADMIN_KEY.",
  );
}
