/**
 * NOTIFY channel for flag changes, expunges and new messages in a folder (payload: the folder id).
 * Its own module so the message store (which notifies for new copies) and folder-messages.ts
 * (which notifies for everything else) share it without importing each other.
 */
export const FOLDER_CHANGES_CHANNEL = "mailroom_folder_changes";
