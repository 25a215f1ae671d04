import { z } from "zod";
import { EXAMPLE_IDS, zId } from "../ids.js";
import {
  EXAMPLE_TIMES,
  NON_BLANK,
  example,
  zCursorPage,
  zDateTimeInput,
  zJsonNumber,
  zQueryInteger,
  zTimestamp,
} from "./common.js";

/*
 * One mailbox model, two wire dialects:
 *  - document 1 ("accounts"): snake_case bare objects;
 *  - document 2 ("emails"): camelCase inside `{ success: true, data }`.
 * Format is checked here (field-level 400s); length, reserved prefixes, domains, quotas and
 * uniqueness are rules of core, shared by both dialects.
 */

/**
 * A mailbox local part: letters, digits, `.`, `_`, `-`; starts and ends with a letter or digit; no `..`.
 * No length here on purpose: the 4–64 rule is core's, with document 2's own message.
 */
const LOCAL_PART = "(?!.*\\.\\.)[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?";
export const LOCAL_PART_PATTERN = new RegExp(`^${LOCAL_PART}$`);

/** Separates a tag from the mailbox name: `info+orders@…` is delivered to `info@…`. */
export const TAG_SEPARATOR = "+";

/**
 * The local part of any address we take (a recipient, a sender): a mailbox's, optionally with
 * `+tag` after it (the tag may be empty and may hold the same characters plus further `+`).
 */
export const ADDRESS_LOCAL_PART_PATTERN = /^(?!.*\.\.)[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?(?:\+[a-z0-9._+-]*)?$/i;

/** Why a new mailbox may not have `+` in its name (document 2's creates show it as a field error). */
export const MAILBOX_NAME_PLUS_MESSAGE =
  'A mailbox name may not contain "+": it separates a tag (name+tag@domain is delivered to name@domain)';

/** A fully qualified ASCII domain name (IDNs as punycode), at least two labels. */
const DOMAIN_NAME =
  "(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
export const DOMAIN_NAME_PATTERN = new RegExp(`^${DOMAIN_NAME}$`);

/**
 * `local@domain` as the two patterns above. Spelled out without the `i` flag (and composed from
 * strings) so the OpenAPI document, which cannot carry flags, states exactly this rule.
 */
export const MAILBOX_ADDRESS = `${LOCAL_PART}@${DOMAIN_NAME}`;
export const MAILBOX_ADDRESS_PATTERN = new RegExp(`^${MAILBOX_ADDRESS}$`);

export const MAILBOX_PREFIX_MIN = 4;
export const MAILBOX_PREFIX_MAX = 64;
export const MAILBOX_TAG_MAX = 50;
export const MAILBOX_PASSWORD_MIN = 8;
/** Long enough for any passphrase, short enough that hashing it is cheap. */
export const MAILBOX_PASSWORD_MAX = 256;
/** Ten years: anything longer is not disposable. */
export const MAILBOX_MAX_EXPIRES_IN = 10 * 365 * 24 * 3600;

/**
 * `local@domain` split at its only `@`, or undefined when the text is not a well-formed address.
 * A `+tag` in the local part is well-formed (every address field takes one); only a mailbox's
 * own name may not carry it (see MAILBOX_NAME_PLUS_MESSAGE).
 */
export function splitMailboxAddress(address: string): { localPart: string; domain: string } | undefined {
  const at = address.indexOf("@");
  if (at < 0 || at !== address.lastIndexOf("@")) return undefined;
  const localPart = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!ADDRESS_LOCAL_PART_PATTERN.test(localPart) || !DOMAIN_NAME_PATTERN.test(domain)) return undefined;
  return { localPart, domain };
}

export const MAILBOX_STATUSES = ["active", "disabled"] as const;
export const zMailboxStatus = z.enum(MAILBOX_STATUSES);
export type MailboxStatus = z.infer<typeof zMailboxStatus>;

const zPassword = z
  .string()
  .min(MAILBOX_PASSWORD_MIN, `Password must be at least ${MAILBOX_PASSWORD_MIN} characters`)
  .max(MAILBOX_PASSWORD_MAX, `Password must be at most ${MAILBOX_PASSWORD_MAX} characters`);

/** Seconds from now, as a JSON number only: `true` or `"60"` is a 400 (see zJsonNumber). */
const expiresIn = () =>
  zJsonNumber(
    z
      .number({ error: "Must be a whole number of seconds" })
      .int("Must be a whole number of seconds")
      .min(1, "Must be at least 1 second")
      .max(MAILBOX_MAX_EXPIRES_IN, `Must be at most ${MAILBOX_MAX_EXPIRES_IN} seconds`),
  );
const expiresAt = zDateTimeInput;

function onlyOneExpiry(inKey: string, atKey: string) {
  const check = (v: Record<string, unknown>) => v[inKey] === undefined || v[atKey] === undefined;
  return [check, { message: `Give ${inKey} or ${atKey}, not both`, path: [atKey] as PropertyKey[] }] as const;
}

/**
 * The same rule in the OpenAPI document: an object may not hold both keys (apps/api's document
 * builder copies object-level `not`/`anyOf` onto the request body).
 */
function notBoth(inKey: string, atKey: string) {
  return { not: { required: [inKey, atKey] }, description: `${inKey} and ${atKey} are mutually exclusive` };
}

/** Tags count characters as people do (code points), so 50 CJK or emoji characters fit. */
const zTag = z
  .string()
  .trim()
  .refine((s) => [...s].length <= MAILBOX_TAG_MAX, `Tag must be at most ${MAILBOX_TAG_MAX} characters`)
  // JSON Schema's maxLength counts code points too; the server counts after trimming, so it may take more.
  .meta({ maxLength: MAILBOX_TAG_MAX });

// ─── Document 1: accounts ────────────────────────────────────────────────────────────────────

/** Shown on a mailbox in both dialects: `status` is what the owner set, this is what the MX does. */
const zReceiving = z
  .boolean()
  .describe(
    "Whether mail to this address is accepted now: the mailbox is active and unexpired, and its domain is a system domain or a verified (active) custom domain",
  );

export const zAccount = z.object({
  id: z.string(),
  email: z.string(),
  status: zMailboxStatus,
  receiving: zReceiving,
  created_at: zTimestamp,
  expires_at: zTimestamp.nullable().describe("When a disposable mailbox expires; null = never"),
});
export type Account = z.infer<typeof zAccount>;

export const zAccountListItem = zAccount.pick({ id: true, email: true, status: true, receiving: true, expires_at: true });

export const zCreateAccountInput = z
  .object({
    domain: z.string().trim().regex(DOMAIN_NAME_PATTERN, "Invalid domain format"),
    username: z
      .string()
      .trim()
      // "+" first, with its own message (it is the tag separator); the pattern stays a regex so the document states it.
      .refine((name) => !name.includes(TAG_SEPARATOR), { message: MAILBOX_NAME_PLUS_MESSAGE, abort: true })
      .regex(LOCAL_PART_PATTERN, "Invalid username format"),
    password: zPassword,
    expires_in: expiresIn().optional(),
    expires_at: expiresAt().optional(),
  })
  .refine(...onlyOneExpiry("expires_in", "expires_at"))
  .meta(notBoth("expires_in", "expires_at"));

export const zAccountIdInput = z.object({ id: zId("mailbox") });

export const zUpdateAccountInput = z
  .object({
    id: zId("mailbox"),
    password: zPassword.optional(),
    status: zMailboxStatus.optional(),
    expires_in: expiresIn().optional(),
    expires_at: expiresAt().nullable().optional().describe("null makes the mailbox permanent"),
  })
  .refine(...onlyOneExpiry("expires_in", "expires_at"))
  .meta(notBoth("expires_in", "expires_at"));

export const zListAccountsInput = zCursorPage("mailbox");

export const zListAccountsOutput = z.object({
  accounts: z.array(zAccountListItem),
  total: z.number().int().describe("All of the tenant's accounts"),
  next_cursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page"),
});

// ─── Document 2: emails ──────────────────────────────────────────────────────────────────────

export const zEmail = z.object({
  id: z.string(),
  email: z.string(),
  tag: z.string().nullable(),
  like: z.boolean(),
  pin: z.boolean(),
  receiving: zReceiving,
  createdAt: zTimestamp,
  expiresAt: zTimestamp.nullable(),
});
export type Email = z.infer<typeof zEmail>;

/** Document 2's success envelope; its example wraps the example of `data`. */
export function zSuccess<T extends z.ZodType>(data: T) {
  const dataExamples = z.globalRegistry.get(data)?.examples;
  const envelope = z.object({ success: z.literal(true), data });
  return Array.isArray(dataExamples)
    ? envelope.meta({ examples: dataExamples.map((d) => ({ success: true, data: d })) })
    : envelope;
}

const zEmailString = z
  .string({ error: (issue) => (issue.input === undefined ? "Email is required" : "Invalid email format") })
  .trim();
const wellFormedEmail = (schema: z.ZodString) =>
  schema.max(1000, "Invalid email format").regex(MAILBOX_ADDRESS_PATTERN, "Invalid email format").meta({ format: "email" });

export const zEmailAddress = wellFormedEmail(zEmailString);

/** A new mailbox's address: no tag separator in its name (said first, with its own message), and well-formed. */
const zNewMailboxAddress = wellFormedEmail(
  zEmailString.refine((s) => !s.slice(0, s.lastIndexOf("@")).includes(TAG_SEPARATOR), {
    message: MAILBOX_NAME_PLUS_MESSAGE,
    abort: true,
  }),
);

export const zCreateEmailInput = z
  .object({
    email: zNewMailboxAddress,
    tag: zTag.optional(),
    expiresIn: expiresIn().optional(),
    expiresAt: expiresAt().optional(),
  })
  .refine(...onlyOneExpiry("expiresIn", "expiresAt"))
  .meta(notBoth("expiresIn", "expiresAt"));

export const zEmailIdInput = z.object({ id: zId("mailbox") });

/**
 * A JSON true/false. Not z.boolean(): trpc-to-openapi switches on `coerce` for every boolean in a
 * REST input, and Boolean("false") is true.
 */
const jsonBoolean = z.union([z.literal(true), z.literal(false)], {
  // A missing one is worded by the common rule ("Like is required").
  error: (issue) => (issue.input === undefined ? undefined : "Must be true or false"),
});

const queryBoolean = z.enum(["true", "false"], { error: 'Must be "true" or "false"' }).transform((v) => v === "true");

export const zListEmailsInput = z.object({
  page: zQueryInteger({ min: 1 }).default(1),
  pageSize: zQueryInteger({ min: 1, max: 100 }).default(20),
  tag: z.string().trim().min(1, "Tag must not be blank").meta(NON_BLANK).optional(),
  like: queryBoolean.optional(),
  pin: queryBoolean.optional(),
  search: z
    .string()
    .trim()
    .min(1, "Search must not be blank")
    .max(200, "Search must be at most 200 characters")
    .meta(NON_BLANK)
    .optional()
    .describe("Part of the address, case-insensitive"),
});

export const zEmailPage = z.object({
  emails: z.array(zEmail),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  totalPages: z.number().int(),
});

export const zUpdateEmailInput = z
  .object({
    id: zId("mailbox"),
    tag: zTag.nullable().optional(),
    like: jsonBoolean.optional(),
    pin: jsonBoolean.optional(),
    expiresIn: expiresIn().optional(),
    expiresAt: expiresAt().nullable().optional(),
  })
  .refine(...onlyOneExpiry("expiresIn", "expiresAt"))
  .meta(notBoth("expiresIn", "expiresAt"));

export const zEmailDeleted = z.object({ id: z.string(), deleted: z.literal(true) });

// ─── Examples (the OpenAPI document's) ───────────────────────────────────────────────────────

const exampleAccount = {
  id: EXAMPLE_IDS.mailbox,
  email: "info@example.com",
  status: "active",
  receiving: true,
  created_at: EXAMPLE_TIMES.created,
  expires_at: null,
} as const satisfies Account;
example(zAccount, exampleAccount);
const { created_at: _, ...exampleAccountListItem } = exampleAccount;
example(zAccountListItem, exampleAccountListItem);
example(zCreateAccountInput, { domain: "example.com", username: "info", password: "correct-horse-battery" });
example(zUpdateAccountInput, { id: EXAMPLE_IDS.mailbox, status: "active", expires_at: EXAMPLE_TIMES.expires });
example(zListAccountsOutput, {
  accounts: [
    exampleAccountListItem,
    {
      id: "acc_01m7x2mrp9h5jfeb14ebtx0wc4",
      email: "signup-test@example.com",
      status: "active",
      receiving: true,
      expires_at: EXAMPLE_TIMES.expires,
    },
  ],
  total: 2,
  next_cursor: null,
});

const exampleEmail = {
  id: EXAMPLE_IDS.mailbox,
  email: "orders@ig.do",
  tag: "shop",
  like: false,
  pin: true,
  receiving: true,
  createdAt: EXAMPLE_TIMES.created,
  expiresAt: EXAMPLE_TIMES.expires,
} as const satisfies Email;
example(zEmail, exampleEmail);
example(zCreateEmailInput, { email: "orders@ig.do", tag: "shop", expiresIn: 86400 });
example(zListEmailsInput.shape.page, 1);
example(zListEmailsInput.shape.pageSize, 20);
example(zListEmailsInput.shape.tag, "shop");
example(zListEmailsInput.shape.pin, "true");
example(zListEmailsInput.shape.search, "orders");
example(zEmailPage, { emails: [exampleEmail], total: 1, page: 1, pageSize: 20, totalPages: 1 });
example(zUpdateEmailInput, { id: EXAMPLE_IDS.mailbox, tag: "shop", pin: true, expiresIn: 604800 });
example(zEmailDeleted, { id: EXAMPLE_IDS.mailbox, deleted: true });
