import { sql } from "kysely";
import type { CoreDeps } from "../deps.js";
import { dkimSelectorFor, generateDkimKeyPair } from "../domains/dkim-keys.js";

const SYSTEM_KEY = "system_dkim";

export interface SystemDkimKey {
  selector: string;
  privateKeyPem: string;
  /** For the TXT record `<selector>._domainkey.<system domain>`: `v=DKIM1; k=rsa; p=<this>`. */
  publicKeyBase64: string;
}

/**
 * The key that signs mail from the system domains. Generated once, on first use, and kept in the
 * database (server_keys), so every process on the database signs with the same key and a restart
 * keeps it. Like the domains' own keys, the private half never leaves the server.
 */
export async function ensureSystemDkimKey(deps: CoreDeps): Promise<SystemDkimKey> {
  const existing = await readKey(deps);
  if (existing) return existing;
  const pair = await generateDkimKeyPair();
  // Two processes starting at once: the first insert wins, everyone reads the winner.
  await deps.db
    .insertInto("server_keys")
    .values({
      name: SYSTEM_KEY,
      selector: dkimSelectorFor(new Date()),
      private_key: pair.privateKeyPem,
      public_key: pair.publicKeyBase64,
    })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const key = await readKey(deps);
  if (!key) throw new Error("system DKIM key vanished during start-up");
  deps.logger.info(
    {
      records: deps.config.systemDomains.map((d) => `${key.selector}._domainkey.${d.domain}`),
      value: `v=DKIM1; k=rsa; p=${key.publicKeyBase64}`,
    },
    "generated the system domains' DKIM key; publish this TXT record for each system domain",
  );
  return key;
}

async function readKey(deps: CoreDeps): Promise<SystemDkimKey | undefined> {
  const row = await deps.db
    .selectFrom("server_keys")
    .select(["selector", "private_key", "public_key"])
    .where("name", "=", sql.lit(SYSTEM_KEY))
    .executeTakeFirst();
  return row ? { selector: row.selector, privateKeyPem: row.private_key, publicKeyBase64: row.public_key } : undefined;
}
