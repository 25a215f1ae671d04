import type { SecureContext } from "node:tls";
import type { Logger } from "pino";
import type { CoreDeps } from "../deps.js";
import type { Mailbox } from "../mailboxes/mailbox.service.js";
import { clearTextLoginAllowed } from "../mailboxes/mailbox-login.js";
import { CommandReader, type FramedCommand, type ReaderEvent } from "./command-reader.js";
import { parseCommand } from "./command-parser.js";
import type { Command, CommandName } from "./command-types.js";
import type { ImapChangeHub } from "./imap-change-hub.js";
import type { ImapConnection } from "./imap-connection.js";
import { ANY_STATE_HANDLERS } from "./imap-any-state.js";
import { AUTH_HANDLERS } from "./imap-auth.js";
import { FETCH_HANDLERS } from "./imap-fetch.js";
import { IDLE_HANDLERS } from "./imap-idle.js";
import { MAILBOX_HANDLERS } from "./imap-mailbox-commands.js";
import { SEARCH_HANDLERS } from "./imap-search.js";
import type { SelectedFolder } from "./imap-selected-folder.js";
import { STORE_HANDLERS } from "./imap-store-commands.js";
import {
  capabilityResponse,
  continuationRequest,
  parseErrorResponse,
  readerErrorResponse,
  statusResponse,
  type ResponseCode,
  type ResponseStatus,
} from "./response-writer.js";

export type SessionState = "not-authenticated" | "authenticated" | "selected" | "logout";

/** What every session of a listener shares. */
export interface ImapContext {
  deps: CoreDeps;
  hub: ImapChangeHub;
  log: Logger;
  /** For STARTTLS; null when the server has no certificate. */
  tls: SecureContext | null;
}

/** The command type(s) named N (a member may carry several names, e.g. CREATE | DELETE | …). */
export type CommandOf<N extends CommandName> = N extends CommandName
  ? Command extends infer C
    ? C extends { name: infer M }
      ? N extends M
        ? C & { name: N }
        : never
      : never
    : never
  : never;
export type Handler<N extends CommandName = CommandName> = (session: ImapSession, command: CommandOf<N>) => Promise<void>;
export type HandlerTable = { [N in CommandName]?: Handler<N> };

/** Commands allowed in each state (RFC 3501 section 6); any-state commands are in all three. */
const ANY = ["CAPABILITY", "NOOP", "LOGOUT", "ID"] as const;
const AUTHENTICATED = [
  "SELECT",
  "EXAMINE",
  "CREATE",
  "DELETE",
  "RENAME",
  "SUBSCRIBE",
  "UNSUBSCRIBE",
  "LIST",
  "LSUB",
  "STATUS",
  "APPEND",
  "IDLE",
  "NAMESPACE",
  "ENABLE",
] as const;
const SELECTED = ["CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE"] as const;
const ALLOWED: Record<Exclude<SessionState, "logout">, ReadonlySet<CommandName>> = {
  "not-authenticated": new Set([...ANY, "STARTTLS", "AUTHENTICATE", "LOGIN"]),
  authenticated: new Set([...ANY, ...AUTHENTICATED]),
  selected: new Set([...ANY, ...AUTHENTICATED, ...SELECTED]),
};

/** Pipelined reader events held before the socket is paused. */
const MAX_QUEUED_EVENTS = 64;

/** After this many BAD answers in a row the client is not speaking IMAP: BYE. */
export const MAX_CONSECUTIVE_BADS = 20;

/** FETCH, STORE and SEARCH (by sequence number) must not see EXPUNGE responses (RFC 3501 7.4.1). */
const NO_EXPUNGE_AFTER = new Set<CommandName>(["FETCH", "STORE", "SEARCH"]);

const HANDLERS: HandlerTable = {
  ...ANY_STATE_HANDLERS,
  ...AUTH_HANDLERS,
  ...MAILBOX_HANDLERS,
  ...FETCH_HANDLERS,
  ...SEARCH_HANDLERS,
  ...STORE_HANDLERS,
  ...IDLE_HANDLERS,
};

/**
 * One IMAP session: the state machine (not authenticated → authenticated → selected → logout) over
 * framed commands, answered strictly in order. Commands are handled one at a time; pipelined ones
 * wait in the reader's queue. A command may hand the next raw line to itself (AUTHENTICATE's
 * response, IDLE's DONE) with `takeNextLine`.
 */
export class ImapSession {
  state: SessionState = "not-authenticated";
  mailbox: Mailbox | null = null;
  selected: SelectedFolder | null = null;
  private reader: CommandReader;
  /** Reader events not yet handled (pipelined commands), answered in order. */
  private readonly queue: ReaderEvent[] = [];
  private draining = false;
  private inactivity: NodeJS.Timeout | undefined;
  private consecutiveBads = 0;
  private lineTaker: ((line: FramedCommand) => Promise<void>) | null = null;
  /** Set by a wake-up from the hub: sync after the current command even if it is not NOOP. */
  dirty = false;
  /** Runs while idling; ended by DONE, by logout, or by the connection closing. */
  idle: { stop: () => void } | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Folder watch of the selected folder (the hub). */
  private unwatch: (() => void) | null = null;

  constructor(
    readonly context: ImapContext,
    readonly conn: ImapConnection,
    readonly log: Logger,
  ) {
    this.reader = this.newReader();
  }

  private newReader(): CommandReader {
    const { imap, smtp } = this.deps.config;
    const literal = this.mailbox ? smtp.maxMessageBytes : imap.maxPreauthLiteralBytes;
    return new CommandReader({
      maxLineLength: imap.maxLineBytes,
      maxLiteralSize: literal,
      maxCommandSize: imap.maxLineBytes + literal,
    });
  }

  /** Greets the client and starts reading its commands. */
  async start(): Promise<void> {
    this.listen();
    await this.send(this.greeting());
  }

  private listen(): void {
    const socket = this.conn.socket;
    socket.on("data", (chunk: Buffer) => this.feed(chunk));
    this.touch();
  }

  /** Restarts the inactivity timer (RFC 3501 5.4: at least 30 minutes). */
  private touch(): void {
    clearTimeout(this.inactivity);
    this.inactivity = setTimeout(() => {
      this.log.info({ ip: this.conn.ip }, "imap session idle too long");
      void this.exclusive(() => this.bye("Autologout; idle for too long"));
    }, this.deps.config.imap.idleTimeoutMs);
    this.inactivity.unref();
  }

  private feed(chunk: Buffer): void {
    if (this.state === "logout") return;
    this.touch();
    this.queue.push(...this.reader.push(chunk));
    // A client pipelining faster than we answer waits in its own socket buffer, not in our memory.
    if (this.queue.length > MAX_QUEUED_EVENTS) this.conn.socket.pause();
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && this.state !== "logout") {
        const event = this.queue.shift()!;
        await this.exclusive(() => this.onReaderEvent(event));
        if (this.tooManyBads) await this.exclusive(() => this.bye("Too many invalid commands"));
      }
    } catch (err) {
      this.log.warn({ err: err instanceof Error ? err.message : String(err) }, "imap session failed");
      this.conn.socket.destroy();
    } finally {
      this.draining = false;
      if (!this.conn.closed) this.conn.socket.resume();
    }
  }

  /**
   * STARTTLS after its OK: whatever the client sent after the command in clear text is dropped
   * (it could be an injected command), then reading starts over on the TLS socket.
   */
  async startTls(secureContext: SecureContext): Promise<void> {
    this.queue.length = 0;
    this.reader = this.newReader();
    try {
      await this.conn.upgrade(secureContext);
    } catch (err) {
      this.log.info({ ip: this.conn.ip, err: err instanceof Error ? err.message : String(err) }, "imap STARTTLS failed");
      this.conn.socket.destroy();
      return;
    }
    this.listen();
  }

  /** The connection closed (any reason): stop everything that would still write to it. */
  closed(): void {
    clearTimeout(this.inactivity);
    void this.leave();
  }

  get deps(): CoreDeps {
    return this.context.deps;
  }

  /** Whether a password may be sent on this connection now (TLS, loopback, or allowed by config). */
  get loginAllowed(): boolean {
    return clearTextLoginAllowed(this.deps, { secure: this.conn.secure, remoteAddress: this.conn.ip });
  }

  capabilities(): string[] {
    const caps = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UNSELECT"];
    if (this.state === "not-authenticated") {
      if (this.context.tls && !this.conn.secure) caps.push("STARTTLS");
      caps.push(this.loginAllowed ? "AUTH=PLAIN" : "LOGINDISABLED");
      return caps;
    }
    return [...caps, "UIDPLUS", "MOVE", "SPECIAL-USE", "CHILDREN"];
  }

  greeting(): string {
    return statusResponse(null, "OK", "Mailroom IMAP ready", { name: "CAPABILITY", capabilities: this.capabilities() });
  }

  /** Runs `task` after everything queued before it: replies and wake-up reports never interleave. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  send(data: string | Buffer): Promise<void> {
    return this.conn.write(data);
  }

  async sendAll(lines: readonly (string | Buffer)[]): Promise<void> {
    for (const line of lines) await this.send(line);
  }

  tagged(tag: string, status: ResponseStatus, text: string, code?: ResponseCode): Promise<void> {
    if (status === "BAD") this.countBad();
    else this.consecutiveBads = 0;
    return this.send(statusResponse(tag, status, text, code));
  }

  /**
   * The tagged OK of a command, after the untagged news of the selected folder: always for NOOP,
   * CHECK and IDLE (that is what clients poll with), otherwise when something changed.
   */
  async ok(command: Command, text: string, code?: ResponseCode): Promise<void> {
    const force = command.name === "NOOP" || command.name === "CHECK" || command.name === "IDLE";
    await this.reportChanges(command.name, force);
    await this.tagged(command.tag, "OK", text, code);
  }

  capabilityLine(): string {
    return capabilityResponse(this.capabilities());
  }

  /** The next raw line goes to `taker` instead of the parser (SASL responses, IDLE's DONE). */
  takeNextLine(taker: (line: FramedCommand) => Promise<void>): void {
    this.lineTaker = taker;
  }

  /** One event from the reader, in order. */
  async onReaderEvent(event: ReaderEvent): Promise<void> {
    if (this.state === "logout") return;
    if (event.type === "continue") return this.send(continuationRequest());
    if (event.type === "error") {
      this.countBad();
      return this.send(readerErrorResponse(event.error));
    }
    const taker = this.lineTaker;
    this.lineTaker = null;
    if (taker) return taker(event.command);
    const parsed = parseCommand(event.command);
    if (!parsed.ok) {
      this.countBad();
      return this.send(parseErrorResponse(parsed.error));
    }
    await this.execute(parsed.command);
  }

  private async execute(command: Command): Promise<void> {
    const state = this.state;
    if (state === "logout") return;
    const handler = HANDLERS[command.name] as Handler | undefined;
    if (!handler || !ALLOWED[state].has(command.name)) {
      return this.tagged(command.tag, "BAD", `${command.name} is not valid in the ${state} state`);
    }
    try {
      await handler(this, command);
    } catch (err) {
      this.log.error({ err, command: command.name }, "imap command failed");
      await this.tagged(command.tag, "NO", "Server error, try again later", { name: "SERVERBUG" });
      return;
    }
  }

  /** Reports what changed in the selected folder since the client last heard (before a tagged OK). */
  async reportChanges(command: CommandName | "IDLE-WAKE", force: boolean): Promise<void> {
    const selected = this.selected;
    if (!selected || (!force && !this.dirty)) return;
    this.dirty = false;
    const allowExpunge = !NO_EXPUNGE_AFTER.has(command as CommandName);
    await this.sendAll(await selected.sync(this.deps.db, allowExpunge));
  }

  /** Selects a folder view (or none), watching it for changes made elsewhere. */
  async select(folder: SelectedFolder | null): Promise<void> {
    this.unwatch?.();
    this.unwatch = null;
    this.selected = folder;
    this.dirty = false;
    this.state = folder ? "selected" : this.mailbox ? "authenticated" : "not-authenticated";
    if (folder) this.unwatch = await this.context.hub.watch(folder.folder, () => this.onFolderChanged());
  }

  private onFolderChanged(): void {
    this.dirty = true;
    if (this.idle) void this.exclusive(() => this.reportChanges("IDLE-WAKE", true)).catch(() => undefined);
  }

  /** LOGIN/AUTHENTICATE succeeded: literals may now be as large as a message. */
  loggedIn(mailbox: Mailbox): void {
    this.mailbox = mailbox;
    this.state = "authenticated";
    const { imap, smtp } = this.deps.config;
    this.reader.setLimits({ maxLiteralSize: smtp.maxMessageBytes, maxCommandSize: smtp.maxMessageBytes + imap.maxLineBytes });
  }

  private countBad(): void {
    this.consecutiveBads++;
  }

  /** Too many BADs in a row: the client is not speaking IMAP. */
  get tooManyBads(): boolean {
    return this.consecutiveBads >= MAX_CONSECUTIVE_BADS;
  }

  /** Ends the session with `* BYE text` (no tagged reply). */
  async bye(text: string): Promise<void> {
    if (this.state === "logout") return;
    await this.leave();
    await this.send(statusResponse(null, "BYE", text));
    this.conn.end();
  }

  /** The session is over: stop idling and watching. */
  async leave(): Promise<void> {
    this.state = "logout";
    this.idle?.stop();
    this.idle = null;
    this.unwatch?.();
    this.unwatch = null;
  }
}
