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
} as const;
export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

const ID_BODY = "[0-9a-hjkmnp-tv-z]{26}";

export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_${ID_BODY}$`);
}

/** A path id; a malformed one is simply not found, never a 500. */
export function zId(kind: IdKind) {
  return z.string().min(1).max(64).describe(`A ${kind} id (${ID_PREFIXES[kind]}_…)`);
}

export function looksLikeId(kind: IdKind, value: string): boolean {
  return idPattern(kind).test(value);
}
