import type { Generated, Insertable, Selectable } from "kysely";

export interface ApiKeyTable {
  id: string;
  tenant_id: string;
  name: string | null;
  prefix: string;
  /** sha256 of the secret, hex. */
  secret_hash: string;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}
export type ApiKeyRow = Selectable<ApiKeyTable>;
export type NewApiKeyRow = Insertable<ApiKeyTable>;

export interface ServerSecretTable {
  name: string;
  secret_hash: string;
  created_at: Generated<Date>;
}
