import { MailroomError } from "@mailroom/contracts";
import type { CoreDeps } from "../deps.js";
import * as folders from "../folders/folder.service.js";

/*
 * IMAP's CREATE, DELETE, RENAME and (UN)SUBSCRIBE: the folder service's rules (the same the REST
 * API follows), its refusals put in IMAP's words (RFC 5530 response codes).
 */

export type FolderChangeResult = { ok: true } | { ok: false; code: "ALREADYEXISTS" | "NONEXISTENT" | "CANNOT"; text: string };

interface Owner {
  id: string;
  tenantId: string;
}

const IMAP_CODES: Record<string, "ALREADYEXISTS" | "NONEXISTENT" | "CANNOT"> = {
  FOLDER_EXISTS: "ALREADYEXISTS",
  FOLDER_NOT_FOUND: "NONEXISTENT",
  FOLDER_NAME_INVALID: "CANNOT",
  FOLDER_NOT_DELETABLE: "CANNOT",
};

async function asResult(change: () => Promise<unknown>): Promise<FolderChangeResult> {
  try {
    await change();
    return { ok: true };
  } catch (err) {
    if (!(err instanceof MailroomError)) throw err;
    const code = IMAP_CODES[err.code];
    if (!code) throw err;
    return { ok: false, code, text: err.message };
  }
}

async function folderNamed(deps: CoreDeps, owner: Owner, name: string): Promise<folders.Folder> {
  const folder = await folders.findFolder(deps, owner.id, name);
  if (!folder) throw new MailroomError("FOLDER_NOT_FOUND", `No mailbox ${name}`);
  return folder;
}

/** The folder and, as RFC 3501 6.3.3 suggests, any missing parent (`a/b/c`: `a`, `a/b` too). */
export async function createFolder(deps: CoreDeps, owner: Owner, name: string): Promise<FolderChangeResult> {
  const levels = name.split("/");
  for (let depth = 1; depth < levels.length; depth++) {
    const parent = levels.slice(0, depth).join("/");
    const made = await asResult(() => folders.createFolder(deps, owner.tenantId, owner.id, parent));
    if (!made.ok && made.code !== "ALREADYEXISTS") return made;
  }
  return asResult(() => folders.createFolder(deps, owner.tenantId, owner.id, name));
}

export function deleteFolder(deps: CoreDeps, owner: Owner, name: string): Promise<FolderChangeResult> {
  return asResult(async () => folders.deleteFolder(deps, owner.tenantId, owner.id, (await folderNamed(deps, owner, name)).id));
}

export function renameFolder(deps: CoreDeps, owner: Owner, from: string, to: string): Promise<FolderChangeResult> {
  return asResult(async () =>
    folders.renameFolder(deps, owner.tenantId, owner.id, (await folderNamed(deps, owner, from)).id, to),
  );
}

export function setSubscribed(deps: CoreDeps, owner: Owner, name: string, subscribed: boolean): Promise<FolderChangeResult> {
  return asResult(async () =>
    folders.setSubscribed(deps, owner.tenantId, owner.id, (await folderNamed(deps, owner, name)).id, subscribed),
  );
}
