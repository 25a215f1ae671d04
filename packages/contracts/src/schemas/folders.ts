import { z } from "zod";
import { EXAMPLE_IDS, zId } from "../ids.js";
import { example } from "./common.js";

/*
 * A mailbox's folders (the hosting-style API: /accounts/{id}/folders). IMAP clients see the same
 * folders. What makes a valid name is core's rule (FOLDER_NAME_INVALID), shared with IMAP; here
 * only the field itself is checked.
 */

/** How a folder name travels: the full path, `/` between levels. */
const zFolderName = z.string().describe("The full path, `/` between levels (Work/Projects); INBOX for the inbox");

export const zFolder = z.object({
  id: z.string(),
  name: zFolderName,
  special_use: z
    .enum(["\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive"])
    .nullable()
    .describe("RFC 6154 role: the folder mail clients use for sent mail, drafts, …; null for INBOX and your own folders"),
  total: z.number().int().describe("Messages in the folder"),
  unseen: z.number().int().describe("Messages not yet seen"),
  uid_validity: z.number().int().describe("IMAP UIDVALIDITY: changes whenever a folder of this name is a new folder"),
  uid_next: z.number().int().describe("The IMAP UID the next message stored here gets"),
  subscribed: z.boolean().describe("Whether IMAP clients are told to show it (LSUB)"),
});
export type Folder = z.infer<typeof zFolder>;

export const zFolderList = z.object({ folders: z.array(zFolder).describe("INBOX first, then by name") });

export const zAccountFoldersInput = z.object({ id: zId("mailbox") });

export const zCreateFolderInput = z.object({ id: zId("mailbox"), name: zFolderName });

export const zFolderIdInput = z.object({ id: zId("mailbox"), folder_id: zId("folder") });

export const zUpdateFolderInput = z.object({
  id: zId("mailbox"),
  folder_id: zId("folder"),
  name: zFolderName.describe("The new full path; the folder's subfolders move with it (renaming INBOX moves its messages)"),
});

const exampleFolder = {
  id: EXAMPLE_IDS.folder,
  name: "INBOX",
  special_use: null,
  total: 42,
  unseen: 3,
  uid_validity: 1795000000,
  uid_next: 43,
  subscribed: true,
} as const satisfies Folder;

example(zFolder, exampleFolder);
example(zFolderList, {
  folders: [
    exampleFolder,
    {
      ...exampleFolder,
      id: "fld_01m7xcr0b7qz3n5w8e2k4h6t9d",
      name: "Sent",
      special_use: "\\Sent",
      total: 7,
      unseen: 0,
      uid_next: 8,
    },
  ],
});
example(zFolderName, "Work/Projects");
example(zCreateFolderInput, { id: EXAMPLE_IDS.mailbox, name: "Work/Projects" });
example(zUpdateFolderInput, { id: EXAMPLE_IDS.mailbox, folder_id: EXAMPLE_IDS.folder, name: "Work/Archive 2026" });
