import type { Generated, Insertable, Selectable } from "kysely";
import type { Plan } from "@mailroom/contracts";

export interface TenantTable {
  id: string;
  name: string;
  plan: Plan;
  created_at: Generated<Date>;
}
export type TenantRow = Selectable<TenantTable>;
export type NewTenantRow = Insertable<TenantTable>;
