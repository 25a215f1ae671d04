import type { CoreDeps } from "../deps.js";
import { FOLDER_CHANGES_CHANNEL } from "../folders/folder-messages.js";
import { inboxFolderId } from "../folders/standard-folders.js";
import type { NewMailSignal } from "../messages/new-mail-signal.js";

export type FolderWatcher = () => void;

/**
 * Wakes the IMAP sessions that have a folder selected when it changes, whichever process changed
 * it: new mail through the process's NewMailSignal (its one LISTEN, and this process's own stores
 * at once), flag changes, expunges and appends through one LISTEN on FOLDER_CHANGES_CHANNEL shared
 * by every session. A wake-up is only a hint: the session re-reads the folder.
 */
export class ImapChangeHub {
  private readonly watchers = new Map<string, Set<FolderWatcher>>();
  private listening: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly deps: Pick<CoreDeps, "listen" | "logger">,
    private readonly newMail: NewMailSignal,
  ) {}

  /** Calls `watcher` on every change of the folder until the returned function is called. */
  async watch(folder: { id: string; mailboxId: string }, watcher: FolderWatcher): Promise<() => void> {
    const set = this.watchers.get(folder.id) ?? new Set();
    this.watchers.set(folder.id, set);
    set.add(watcher);
    let stopNewMail: (() => void) | undefined;
    if (folder.id === inboxFolderId(folder.mailboxId)) {
      stopNewMail = await this.newMail.subscribe(folder.mailboxId, () => watcher()).catch(() => undefined);
    }
    await this.startListening();
    return () => {
      stopNewMail?.();
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(folder.id) === set) this.watchers.delete(folder.id);
    };
  }

  /** This process changed the folder: wake its sessions now (the NOTIFY follows). */
  changed(folderId: string): void {
    for (const watcher of [...(this.watchers.get(folderId) ?? [])]) watcher();
  }

  async close(): Promise<void> {
    this.watchers.clear();
    await this.unlisten?.().catch(() => undefined);
  }

  private startListening(): Promise<void> {
    const listen = this.deps.listen;
    if (!listen) return Promise.resolve();
    this.listening ??= listen(FOLDER_CHANGES_CHANNEL, (folderId) => this.changed(folderId)).then(
      (unlisten) => {
        this.unlisten = unlisten;
      },
      (err: unknown) => {
        // Sessions still poll; the next watch tries again.
        this.deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "LISTEN for folder changes failed");
        this.listening = undefined;
      },
    );
    return this.listening;
  }
}
