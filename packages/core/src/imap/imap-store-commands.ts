import {
  appendMessage,
  copyMessages,
  expungeMessages,
  moveMessages,
  storeFlags,
  type FlagChange,
} from "../folders/folder-messages.js";
import { fetchResponse } from "./fetch-response.js";
import type { CommandOf, HandlerTable, ImapSession } from "./imap-session.js";
import { findFolderByName } from "./imap-store.js";
import { atom, type ImapValue } from "./imap-value.js";
import { SYSTEM_FLAGS } from "./imap-mailbox-commands.js";
import { statusResponse } from "./response-writer.js";

const STORE_MODES: Record<CommandOf<"STORE">["action"], FlagChange["mode"]> = { set: "replace", add: "add", remove: "remove" };

/** STORE, COPY, MOVE, EXPUNGE (and their UID forms) and APPEND: the writes, through the shared folder operations. */
export const STORE_HANDLERS: HandlerTable = {
  STORE: async (session, command) => {
    const selected = session.selected!;
    const problem = flagProblem(command.flags);
    if (problem) return session.tagged(command.tag, "BAD", problem);
    if (selected.readOnly) return session.tagged(command.tag, "NO", "Mailbox is read-only");
    const uids = selected.resolve(command.sequenceSet, command.uid);
    if (!uids) return session.tagged(command.tag, "BAD", "Invalid message sequence number");
    const result = await storeFlags(session.deps, selected.folder.id, uids, {
      mode: STORE_MODES[command.action],
      flags: command.flags,
      unchangedSince: command.unchangedSince === null ? undefined : Number(command.unchangedSince),
    });
    for (const state of result.changed) {
      selected.noteReported(state.uid, state.modseq);
      const n = selected.sequenceOf(state.uid);
      if (command.silent || n === 0) continue;
      const entries: { name: string; value: ImapValue }[] = [{ name: "FLAGS", value: state.flags.map(atom) }];
      if (command.uid) entries.push({ name: "UID", value: state.uid });
      await session.send(fetchResponse(n, entries));
    }
    if (result.failedUnchangedSince.length > 0) {
      const numbers = command.uid
        ? result.failedUnchangedSince
        : result.failedUnchangedSince.map((uid) => selected.sequenceOf(uid));
      return session.ok(command, "Some messages were modified", { name: "MODIFIED", numbers });
    }
    await session.ok(command, "STORE completed");
  },
  COPY: (session, command) => copyOrMove(session, command),
  MOVE: (session, command) => copyOrMove(session, command),
  EXPUNGE: async (session, command) => {
    const selected = session.selected!;
    if (selected.readOnly) return session.tagged(command.tag, "NO", "Mailbox is read-only");
    const uids = command.uids ? selected.resolve(command.uids, true)! : undefined;
    if (uids?.length === 0) return session.ok(command, "EXPUNGE completed");
    const removed = await expungeMessages(session.deps, selected.folder.id, uids);
    await session.sendAll(selected.removeUids(removed));
    await session.ok(command, "EXPUNGE completed");
  },
  APPEND: async (session, command) => {
    const problem = flagProblem(command.flags);
    if (problem) return session.tagged(command.tag, "BAD", problem);
    const folder = await findFolderByName(session.deps.db, session.mailbox!.id, command.mailbox);
    if (!folder) return session.tagged(command.tag, "NO", `No mailbox ${command.mailbox}`, { name: "TRYCREATE" });
    const result = await appendMessage(session.deps, folder.id, command.message, {
      flags: command.flags,
      ...(command.internalDate ? { internalDate: command.internalDate } : {}),
    });
    if (session.selected?.folder.id === folder.id) session.dirty = true;
    await session.ok(command, "APPEND completed", { name: "APPENDUID", uidValidity: result.uidValidity, uids: [result.uid] });
  },
};

async function copyOrMove(session: ImapSession, command: CommandOf<"COPY" | "MOVE">): Promise<void> {
  const selected = session.selected!;
  const moving = command.name === "MOVE";
  if (moving && selected.readOnly) return session.tagged(command.tag, "NO", "Mailbox is read-only");
  const uids = selected.resolve(command.sequenceSet, command.uid);
  if (!uids) return session.tagged(command.tag, "BAD", "Invalid message sequence number");
  const target = await findFolderByName(session.deps.db, session.mailbox!.id, command.mailbox);
  if (!target) return session.tagged(command.tag, "NO", `No mailbox ${command.mailbox}`, { name: "TRYCREATE" });
  if (uids.length === 0) return session.ok(command, `${command.name} completed`);
  const operation = moving ? moveMessages : copyMessages;
  const mapping = await operation(session.deps, selected.folder.id, uids, target.id);
  if (target.id === selected.folder.id) session.dirty = true;
  const code = {
    name: "COPYUID" as const,
    uidValidity: mapping.uidValidity,
    source: mapping.pairs.map(([source]) => source),
    destination: mapping.pairs.map(([, destination]) => destination),
  };
  if (!moving) return session.ok(command, "COPY completed", code);
  // RFC 6851 4.3: COPYUID in an untagged OK before the EXPUNGE responses.
  await session.send(statusResponse(null, "OK", "Moved", code));
  await session.sendAll(selected.removeUids(code.source));
  await session.ok(command, "MOVE completed");
}

/** \Recent is the server's to set (RFC 3501 2.3.2), and no other system flag exists. */
function flagProblem(flags: readonly string[]): string | null {
  for (const flag of flags) {
    if (!flag.startsWith("\\")) continue;
    if (flag.toLowerCase() === "\\recent") return "\\Recent cannot be set by a client";
    if (!SYSTEM_FLAGS.some((system) => system.toLowerCase() === flag.toLowerCase())) return `Unknown system flag ${flag}`;
  }
  return null;
}
