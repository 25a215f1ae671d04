import { expungeMessages } from "../folders/folder-messages.js";
import type { StatusItem } from "./command-types.js";
import { createFolder, deleteFolder, renameFolder, setSubscribed, type FolderChangeResult } from "./imap-folders.js";
import type { CommandOf, HandlerTable, ImapSession } from "./imap-session.js";
import { SelectedFolder } from "./imap-selected-folder.js";
import {
  findFolderByName,
  firstUnseenUid,
  folderCounts,
  hasDeletedMessages,
  listFolderInfos,
  type FolderInfo,
} from "./imap-store.js";
import { joinListReference, listPatternMatcher } from "./mailbox-pattern.js";
import { mailboxNameProblem } from "./mailbox-name.js";
import {
  existsResponse,
  flagsResponse,
  listResponse,
  recentResponse,
  statusDataResponse,
  statusResponse,
} from "./response-writer.js";

export const DELIMITER = "/";
export const SYSTEM_FLAGS = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

/** SELECT, EXAMINE, CREATE, DELETE, RENAME, (UN)SUBSCRIBE, LIST, LSUB, STATUS, CHECK, CLOSE, UNSELECT. */
export const MAILBOX_HANDLERS: HandlerTable = {
  SELECT: (session, command) => select(session, command, false),
  EXAMINE: (session, command) => select(session, command, true),
  CREATE: async (session, command) => {
    const problem = mailboxNameProblem(command.mailbox, DELIMITER);
    if (problem) return session.tagged(command.tag, "BAD", problem);
    const name = command.mailbox.endsWith(DELIMITER) ? command.mailbox.slice(0, -1) : command.mailbox;
    await answer(session, command, await createFolder(session.deps, owner(session), name), "CREATE completed");
  },
  DELETE: async (session, command) => {
    if (session.selected?.folder.name === command.mailbox) await session.select(null);
    await answer(session, command, await deleteFolder(session.deps, owner(session), command.mailbox), "DELETE completed");
  },
  RENAME: async (session, command) => {
    const problem = mailboxNameProblem(command.to, DELIMITER);
    if (problem) return session.tagged(command.tag, "BAD", problem);
    const result = await renameFolder(session.deps, owner(session), command.from, command.to);
    await answer(session, command, result, "RENAME completed");
  },
  SUBSCRIBE: async (session, command) => {
    await answer(
      session,
      command,
      await setSubscribed(session.deps, owner(session), command.mailbox, true),
      "SUBSCRIBE completed",
    );
  },
  UNSUBSCRIBE: async (session, command) => {
    const result = await setSubscribed(session.deps, owner(session), command.mailbox, false);
    await answer(session, command, result, "UNSUBSCRIBE completed");
  },
  LIST: async (session, command) => {
    const folders = await listFolderInfos(session.deps.db, owner(session).id);
    const subscribedOnly = command.selectionOptions.includes("SUBSCRIBED");
    const specialOnly = command.selectionOptions.includes("SPECIAL-USE");
    // An empty pattern asks for the delimiter and the root (RFC 3501 6.3.8).
    if (command.patterns.length === 1 && command.patterns[0] === "") {
      await session.send(listResponse("LIST", ["\\Noselect"], DELIMITER, ""));
      return session.ok(command, "LIST completed");
    }
    const matchers = command.patterns.map((p) =>
      listPatternMatcher(joinListReference(command.reference, p, DELIMITER), DELIMITER),
    );
    for (const folder of folders) {
      if (!matchers.some((matches) => matches(folder.name))) continue;
      if ((subscribedOnly && !folder.subscribed) || (specialOnly && !folder.specialUse)) continue;
      const attributes = listAttributes(folder, folders);
      if (subscribedOnly || command.returnOptions.includes("SUBSCRIBED")) if (folder.subscribed) attributes.push("\\Subscribed");
      await session.send(listResponse("LIST", attributes, DELIMITER, folder.name));
    }
    await session.ok(command, "LIST completed");
  },
  LSUB: async (session, command) => {
    const folders = await listFolderInfos(session.deps.db, owner(session).id);
    const matches = listPatternMatcher(joinListReference(command.reference, command.pattern, DELIMITER), DELIMITER);
    for (const folder of folders) {
      if (folder.subscribed && matches(folder.name)) {
        await session.send(listResponse("LSUB", childAttributes(folder, folders), DELIMITER, folder.name));
      }
    }
    await session.ok(command, "LSUB completed");
  },
  STATUS: async (session, command) => {
    const folder = await findFolderByName(session.deps.db, owner(session).id, command.mailbox);
    if (!folder) return session.tagged(command.tag, "NO", `No mailbox ${command.mailbox}`, { name: "NONEXISTENT" });
    const counts = await folderCounts(session.deps.db, folder.id);
    const value = (item: StatusItem): number => {
      if (item === "MESSAGES") return counts.messages;
      if (item === "UNSEEN") return counts.unseen;
      if (item === "UIDNEXT") return folder.uidNext;
      if (item === "UIDVALIDITY") return folder.uidValidity;
      if (item === "HIGHESTMODSEQ") return folder.highestModseq;
      return 0;
    };
    await session.send(
      statusDataResponse(
        folder.name,
        command.items.map((item) => [item, value(item)] as const),
      ),
    );
    await session.ok(command, "STATUS completed");
  },
  CHECK: async (session, command) => {
    await session.ok(command, "CHECK completed");
  },
  CLOSE: async (session, command) => {
    const selected = session.selected!;
    // CLOSE expunges silently (RFC 3501 6.4.2): no EXPUNGE responses.
    if (!selected.readOnly && (await hasDeletedMessages(session.deps.db, selected.folder.id)))
      await expungeMessages(session.deps, selected.folder.id);
    await session.select(null);
    await session.tagged(command.tag, "OK", "CLOSE completed");
  },
  UNSELECT: async (session, command) => {
    await session.select(null);
    await session.tagged(command.tag, "OK", "UNSELECT completed");
  },
};

function owner(session: ImapSession) {
  return session.mailbox!;
}

async function answer(
  session: ImapSession,
  command: CommandOf<"CREATE" | "DELETE" | "RENAME" | "SUBSCRIBE" | "UNSUBSCRIBE">,
  result: FolderChangeResult,
  text: string,
): Promise<void> {
  if (!result.ok) return session.tagged(command.tag, "NO", result.text, { name: result.code });
  await session.ok(command, text);
}

async function select(session: ImapSession, command: CommandOf<"SELECT" | "EXAMINE">, readOnly: boolean): Promise<void> {
  // A SELECT leaves the selected state whether or not it succeeds (RFC 3501 6.3.1).
  await session.select(null);
  const { db } = session.deps;
  const folder = await findFolderByName(db, owner(session).id, command.mailbox);
  if (!folder) return session.tagged(command.tag, "NO", `No mailbox ${command.mailbox}`, { name: "NONEXISTENT" });
  const selected = await SelectedFolder.open(db, folder, readOnly);
  const unseenUid = await firstUnseenUid(db, folder.id);
  const unseen = unseenUid === null ? 0 : selected.sequenceOf(unseenUid);
  await session.sendAll([
    flagsResponse(SYSTEM_FLAGS),
    statusResponse(null, "OK", readOnly ? "No permanent flags permitted" : "Flags permitted", {
      name: "PERMANENTFLAGS",
      flags: readOnly ? [] : [...SYSTEM_FLAGS, "\\*"],
    }),
    existsResponse(selected.exists),
    recentResponse(0),
    ...(unseen > 0 ? [statusResponse(null, "OK", `Message ${unseen} is first unseen`, { name: "UNSEEN", value: unseen })] : []),
    statusResponse(null, "OK", "UIDs valid", { name: "UIDVALIDITY", value: folder.uidValidity }),
    statusResponse(null, "OK", "Predicted next UID", { name: "UIDNEXT", value: folder.uidNext }),
  ]);
  await session.select(selected);
  const mode = readOnly ? "READ-ONLY" : "READ-WRITE";
  await session.tagged(command.tag, "OK", `${command.name} completed`, { name: mode });
}

/** Special use (RFC 6154) and children (RFC 3348) of a folder, from the mailbox's folder list. */
function listAttributes(folder: FolderInfo, all: readonly FolderInfo[]): string[] {
  const attributes = childAttributes(folder, all);
  if (folder.specialUse) attributes.push(folder.specialUse);
  return attributes;
}

function childAttributes(folder: FolderInfo, all: readonly FolderInfo[]): string[] {
  const prefix = `${folder.name}${DELIMITER}`;
  return [all.some((other) => other.name.startsWith(prefix)) ? "\\HasChildren" : "\\HasNoChildren"];
}
