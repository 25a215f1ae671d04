import type { CoreDeps } from "../deps.js";

/*
 * What happens to messages inside a mailbox's folders: flags, copy, move, expunge, append. One
 * implementation for every path that needs it (IMAP, POP3, the REST PATCH /messages/{id}), so
 * UIDs, modseqs and change notifications follow one set of rules.
 *
 * Messages are named by UID within one folder. Every change raises the folder's highest_modseq
 * and sets the changed rows' modseq to it, and NOTIFYs FOLDER_CHANGES_CHANNEL after commit
 * (payload `<folder id>`) so IMAP sessions in any process can report it.
 */

/** NOTIFY channel for flag changes, expunges and new messages in a folder (payload: folder id). */
export const FOLDER_CHANGES_CHANNEL = "mailroom_folder_changes";

/** \Seen \Answered \Flagged \Deleted \Draft, and keywords (anything without a backslash). */
export type Flag = string;

export interface FlagChange {
  mode: "add" | "remove" | "replace";
  flags: Flag[];
  /** CONDSTORE UNCHANGEDSINCE: only messages whose modseq ≤ this change. */
  unchangedSince?: number | undefined;
}

export interface FlagState {
  uid: number;
  flags: Flag[];
  modseq: number;
}

export interface UidMapping {
  /** The destination folder's UIDVALIDITY. */
  uidValidity: number;
  /** [source UID, destination UID], in the order of the source UIDs. */
  pairs: [number, number][];
}

/** Applies `change` to the messages with `uids` in the folder; their new state (modified ones). */
export async function storeFlags(
  _deps: CoreDeps,
  _folderId: string,
  _uids: readonly number[],
  _change: FlagChange,
): Promise<{ changed: FlagState[]; failedUnchangedSince: number[] }> {
  throw new Error("storeFlags: not implemented yet");
}

/** Copies the messages into `targetFolderId` (same mailbox), new UIDs there. */
export async function copyMessages(
  _deps: CoreDeps,
  _folderId: string,
  _uids: readonly number[],
  _targetFolderId: string,
): Promise<UidMapping> {
  throw new Error("copyMessages: not implemented yet");
}

/** Moves the messages (RFC 6851: copy, then expunge from the source, atomically). */
export async function moveMessages(
  _deps: CoreDeps,
  _folderId: string,
  _uids: readonly number[],
  _targetFolderId: string,
): Promise<UidMapping> {
  throw new Error("moveMessages: not implemented yet");
}

/** Removes messages flagged \Deleted (only those in `uids` when given); the UIDs removed. */
export async function expungeMessages(_deps: CoreDeps, _folderId: string, _uids?: readonly number[]): Promise<number[]> {
  throw new Error("expungeMessages: not implemented yet");
}

/** Stores `raw` in the folder (IMAP APPEND, the Sent copy); its UID and the folder's UIDVALIDITY. */
export async function appendMessage(
  _deps: CoreDeps,
  _folderId: string,
  _raw: Buffer,
  _options: { flags?: Flag[]; internalDate?: Date },
): Promise<{ uid: number; uidValidity: number; messageId: string }> {
  throw new Error("appendMessage: not implemented yet");
}
