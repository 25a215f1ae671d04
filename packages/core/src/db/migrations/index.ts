import type { Migration } from "kysely/migration";
import * as m20261123120000 from "./2026_11_23_120000_create_tenants_and_keys.js";
import * as m20261123130000 from "./2026_11_23_130000_create_domains.js";
import * as m20261123140000 from "./2026_11_23_140000_create_mailboxes.js";
import * as m20261123150000 from "./2026_11_23_150000_create_messages.js";
import * as m20261123160000 from "./2026_11_23_160000_create_outbound.js";
import * as m20261202100000 from "./2026_12_02_100000_plus_tags_and_catch_all.js";
import * as m20261202120000 from "./2026_12_02_120000_sent_message_relation.js";
import * as m20261203100000 from "./2026_12_03_100000_create_events.js";
import * as m20261203110000 from "./2026_12_03_110000_create_webhooks.js";
import * as m20261203120000 from "./2026_12_03_120000_create_folders.js";
import * as m20261203130000 from "./2026_12_03_130000_messages_by_folder.js";
import * as m20261204100000 from "./2026_12_04_100000_create_mailbox_tokens.js";

/** Every migration, by name; names sort in the order they run. */
export const migrations: Record<string, Migration> = {
  "2026_11_23_120000_create_tenants_and_keys": m20261123120000,
  "2026_11_23_130000_create_domains": m20261123130000,
  "2026_11_23_140000_create_mailboxes": m20261123140000,
  "2026_11_23_150000_create_messages": m20261123150000,
  "2026_11_23_160000_create_outbound": m20261123160000,
  "2026_12_02_100000_plus_tags_and_catch_all": m20261202100000,
  "2026_12_02_120000_sent_message_relation": m20261202120000,
  "2026_12_03_100000_create_events": m20261203100000,
  "2026_12_03_110000_create_webhooks": m20261203110000,
  "2026_12_03_120000_create_folders": m20261203120000,
  "2026_12_03_130000_messages_by_folder": m20261203130000,
  "2026_12_04_100000_create_mailbox_tokens": m20261204100000,
};
