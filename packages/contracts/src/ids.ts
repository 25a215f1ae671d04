import { z } from "zod";

/** Typed id prefixes. Ids are `<prefix>_<26 lower-case base32 chars>`, time-ordered (ULID layout). */
export const ID_PREFIXES = {
  tenant: "ten",
  key: "key",
  domain: "dom",
  mailbox: "acc",
  message: "msg",
  attachment: "att",
  delivery: "dlv",
  event: "evt",
  webhook: "whk",
  webhookDelivery: "whd",
  folder: "fld",
  mailboxToken: "tok",
} as const;
export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

/** Realistic ids for the OpenAPI document's examples (created in November 2026). */
export const EXAMPLE_IDS = {
  tenant: "ten_01m7w75tm1kfx42erqr60x4z0v",
  key: "key_01m7wakpcae767c2rcchvfqm37",
  domain: "dom_01m7we1j4k6nm831xwgn32nc5h",
  mailbox: "acc_01m7whfdww3pgfya7z942m8m2b",
  message: "msg_01m7wmx9n578hkxg1qwdejd1hw",
  attachment: "att_01m7wrb5dekfhcz0r4a62c71ne",
  delivery: "dlv_01m7wvs15q7d96p02ba5nz7j5n",
  event: "evt_01m7wz6x1yqmthr8c4k9e2b7fa",
  webhook: "whk_01m7x2mrzm0b3d6q8v5n1t4g9c",
  webhookDelivery: "whd_01m7x62m9h5wcf1k7r3e8d0p2s",
  folder: "fld_01m7x9k4d2c8wq6f0n3t5r7v1b",
  mailboxToken: "tok_01m7xd1g8e3k5n7q9s2v4x6z8b",
} as const satisfies Record<IdKind, string>;

const ID_BODY = "[0-9a-hjkmnp-tv-z]{26}";

export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_${ID_BODY}$`);
}

/** A path id; a malformed one is simply not found, never a 500. */
export function zId(kind: IdKind) {
  return z
    .string()
    .min(1)
    .max(64)
    .meta({ description: `A ${kind} id (${ID_PREFIXES[kind]}_…)`, examples: [EXAMPLE_IDS[kind]] });
}

export function looksLikeId(kind: IdKind, value: string): boolean {
  return idPattern(kind).test(value);
}
