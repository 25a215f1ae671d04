import { MailroomError } from "@mailroom/contracts";
import { INBOX } from "./standard-folders.js";

export const FOLDER_DELIMITER = "/";
export const MAX_FOLDER_NAME_LENGTH = 255;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function nameInvalid(name: string, why: string): MailroomError {
  return new MailroomError("FOLDER_NAME_INVALID", `Folder name ${JSON.stringify(name)} is invalid: ${why}`);
}

/**
 * A name as stored: INBOX is case-insensitive (RFC 3501 5.1), so "inbox" and "Inbox/Work" name
 * "INBOX" and "INBOX/Work"; every other level is case-sensitive and kept as written.
 */
export function canonicalFolderName(name: string): string {
  const first = name.split(FOLDER_DELIMITER, 1)[0]!;
  return first.toUpperCase() === INBOX ? INBOX + name.slice(first.length) : name;
}

/**
 * A name a folder may be given (created or renamed to), canonical; throws FOLDER_NAME_INVALID.
 * Parent levels need not exist: IMAP lets a client create `a/b` without `a`.
 */
export function checkFolderName(name: string): string {
  if (name.length === 0) throw nameInvalid(name, "it is empty");
  if ([...name].length > MAX_FOLDER_NAME_LENGTH) {
    throw new MailroomError("FOLDER_NAME_INVALID", `Folder names are at most ${MAX_FOLDER_NAME_LENGTH} characters`);
  }
  if (CONTROL.test(name)) throw nameInvalid(name, "it contains a control character");
  if (name.startsWith(FOLDER_DELIMITER) || name.endsWith(FOLDER_DELIMITER)) {
    throw nameInvalid(name, `it starts or ends with "${FOLDER_DELIMITER}"`);
  }
  if (name.includes(FOLDER_DELIMITER + FOLDER_DELIMITER)) throw nameInvalid(name, "it has an empty level (//)");
  if (name.split(FOLDER_DELIMITER).some((level) => level.trim() === "")) throw nameInvalid(name, "a level is blank");
  return canonicalFolderName(name);
}

/** Whether `name` is `parent` or lies below it. */
export function isWithin(name: string, parent: string): boolean {
  return name === parent || name.startsWith(parent + FOLDER_DELIMITER);
}
