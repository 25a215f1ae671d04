import { MailroomError } from "@mailroom/contracts";

/** The system flags a message stores, and the column each lives in. */
export const SYSTEM_FLAGS = {
  "\\Seen": "seen",
  "\\Answered": "answered",
  "\\Flagged": "flagged",
  "\\Deleted": "deleted",
  "\\Draft": "draft",
} as const;
export type SystemFlag = keyof typeof SYSTEM_FLAGS;
export type FlagColumn = (typeof SYSTEM_FLAGS)[SystemFlag];
export const FLAG_COLUMNS = Object.values(SYSTEM_FLAGS) as FlagColumn[];

export const MAX_KEYWORD_LENGTH = 64;
export const MAX_KEYWORDS_PER_MESSAGE = 50;

/** What a message's flags are stored as: one boolean per system flag, keywords as a list. */
export type StoredFlags = Record<FlagColumn, boolean> & { keywords: string[] };

/** A list of flags, sorted out: the system flags named, and the keywords (each once). */
export interface FlagSet {
  system: Set<FlagColumn>;
  keywords: string[];
}

const SYSTEM_BY_LOWER = new Map(Object.entries(SYSTEM_FLAGS).map(([flag, column]) => [flag.toLowerCase(), column]));

/**
 * IMAP atom characters (RFC 3501 9: ATOM-CHAR): printable ASCII without the atom-specials
 * `(`, `)`, `{`, space, `%`, `*`, `"`, `\` and `]`.
 */
const ATOM = /^[!#$&'+-[^-z|}~]+$/;

function flagInvalid(message: string): MailroomError {
  return new MailroomError("FLAG_INVALID", message);
}

/** Sorts flags into system flags (matched case-insensitively, as IMAP does) and keywords; throws FLAG_INVALID. */
export function parseFlags(flags: readonly string[]): FlagSet {
  const system = new Set<FlagColumn>();
  const keywords: string[] = [];
  for (const flag of flags) {
    if (flag.startsWith("\\")) {
      const column = SYSTEM_BY_LOWER.get(flag.toLowerCase());
      if (column) system.add(column);
      else if (flag.toLowerCase() === "\\recent") throw flagInvalid("\\Recent is set by the server and cannot be stored");
      else
        throw flagInvalid(`Unknown system flag ${JSON.stringify(flag)}: use \\Seen, \\Answered, \\Flagged, \\Deleted or \\Draft`);
      continue;
    }
    if (flag.length > MAX_KEYWORD_LENGTH) {
      throw flagInvalid(`Keyword ${JSON.stringify(flag.slice(0, 20))}… is longer than ${MAX_KEYWORD_LENGTH} characters`);
    }
    if (!ATOM.test(flag)) {
      throw flagInvalid(
        `Keyword ${JSON.stringify(flag)} is not an IMAP atom: printable ASCII without spaces or any of ( ) { % * " \\ ]`,
      );
    }
    if (!keywords.includes(flag)) keywords.push(flag);
  }
  if (keywords.length > MAX_KEYWORDS_PER_MESSAGE) throw tooManyKeywords();
  return { system, keywords };
}

export function tooManyKeywords(): MailroomError {
  return flagInvalid(`A message holds at most ${MAX_KEYWORDS_PER_MESSAGE} keywords`);
}

/** The stored state a new message starts with, from the flags it is given. */
export function storedFlags(flags: FlagSet): StoredFlags {
  return {
    seen: flags.system.has("seen"),
    answered: flags.system.has("answered"),
    flagged: flags.system.has("flagged"),
    deleted: flags.system.has("deleted"),
    draft: flags.system.has("draft"),
    keywords: flags.keywords,
  };
}

/** A message's flags as IMAP and the REST API show them: system flags in a fixed order, then keywords. */
export function flagsOf(row: Partial<Record<FlagColumn, boolean>> & { keywords?: readonly string[] | null }): string[] {
  const out: string[] = [];
  for (const [flag, column] of Object.entries(SYSTEM_FLAGS)) if (row[column]) out.push(flag);
  return [...out, ...(row.keywords ?? [])];
}

/** `state` after a STORE: add, remove or replace `change`. Throws FLAG_INVALID past 50 keywords. */
export function applyFlags(state: StoredFlags, mode: "add" | "remove" | "replace", change: FlagSet): StoredFlags {
  if (mode === "replace") return storedFlags(change);
  const next = { ...state, keywords: [...state.keywords] };
  for (const column of change.system) next[column] = mode === "add";
  if (mode === "add") {
    for (const k of change.keywords) if (!next.keywords.includes(k)) next.keywords.push(k);
    if (next.keywords.length > MAX_KEYWORDS_PER_MESSAGE) throw tooManyKeywords();
  } else {
    next.keywords = next.keywords.filter((k) => !change.keywords.includes(k));
  }
  return next;
}

export function sameFlags(a: StoredFlags, b: StoredFlags): boolean {
  return (
    FLAG_COLUMNS.every((c) => a[c] === b[c]) &&
    a.keywords.length === b.keywords.length &&
    a.keywords.every((k, i) => b.keywords[i] === k)
  );
}
