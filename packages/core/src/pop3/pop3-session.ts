import { MailroomError } from "@mailroom/contracts";
import type { Logger } from "pino";
import type { MailboxLogin } from "../mailboxes/mailbox-login.js";
import type { Mailbox } from "../mailboxes/mailbox.service.js";
import { decodePlainResponse, lineCount, messageNumber, parseCommand, type Pop3Command, type ReadLine } from "./pop3-commands.js";
import { dotStuffed, listingLines, topOf } from "./pop3-message-stream.js";

/** A message of the maildrop: numbered by its place in the snapshot taken at login. */
export interface Pop3Message {
  /** The message id, also its UIDL (stable, unique, `msg_` + 26 characters). */
  id: string;
  tenantId: string;
  /** Octets as stored, which is what RETR sends before byte-stuffing. */
  size: number;
}

/** What a session needs from storage (pop3-mailbox.ts binds it to the core). */
export interface Pop3Store {
  login(ip: string, username: string, password: string): Promise<MailboxLogin>;
  openMaildrop(mailbox: Mailbox): Promise<Pop3Message[]>;
  read(message: Pop3Message): AsyncIterable<Buffer>;
  /** Deletes for good; returns how many could not be removed. */
  delete(messages: readonly Pop3Message[]): Promise<number>;
}

/** The connection as the session sees it. */
export interface Pop3Channel {
  /** The client's address, plain (no `::ffff:`). */
  ip: string;
  /** Over TLS now (POP3S, or after STLS). */
  secure: boolean;
  /** A certificate is configured, so STLS can be offered. */
  tlsAvailable: boolean;
  /** Whether a password may be sent on this channel now (TLS, loopback, or allowed by the operator). */
  loginAllowed(): boolean;
}

export interface Pop3Reply {
  /** The status line (`+OK …`, `-ERR …`, `+ `), without CRLF. */
  line: string;
  /** A multi-line response's body: stuffed, ending in the terminating line. */
  body?: AsyncIterable<Buffer>;
  /** What the connection does once the reply is written. */
  after?: "close" | "starttls";
}

/** Unknown commands, malformed ones and overlong lines a session may send before it is closed. */
export const MAX_BAD_COMMANDS = 10;

const TRANSACTION_COMMANDS = new Set(["STAT", "LIST", "RETR", "DELE", "NOOP", "RSET", "TOP", "UIDL"]);
const AUTHORIZATION_COMMANDS = new Set(["USER", "PASS", "AUTH", "STLS", "APOP"]);

const ok = (text: string): Pop3Reply => ({ line: `+OK ${text}` });
const err = (text: string): Pop3Reply => ({ line: `-ERR ${text}` });

/**
 * One POP3 session (RFC 1939 with RFC 2449 CAPA, RFC 5034 AUTH PLAIN, RFC 2595 STLS): lines in,
 * replies out. AUTHORIZATION until a login; then TRANSACTION on a snapshot of the maildrop taken
 * at login (numbers never shift); QUIT enters UPDATE and deletes what DELE marked. A session that
 * ends any other way deletes nothing. No maildrop lock: two sessions of one mailbox each see their
 * own snapshot, and deleting a message the other already deleted is a no-op.
 */
export class Pop3Session {
  private mailbox: Mailbox | null = null;
  private messages: Pop3Message[] = [];
  private readonly deleted = new Set<number>();
  private user: string | null = null;
  private awaitingPlainResponse = false;
  private badCommands = 0;

  constructor(
    private readonly store: Pop3Store,
    private readonly channel: Pop3Channel,
    private readonly log: Logger,
  ) {}

  get loggedIn(): boolean {
    return this.mailbox !== null;
  }

  greeting(): string {
    return "+OK Mailroom POP3 server ready";
  }

  /** The connection is now TLS (after STLS): nothing said before counts (RFC 2595 section 4). */
  secured(): void {
    this.user = null;
  }

  async handle(input: ReadLine): Promise<Pop3Reply> {
    if (this.awaitingPlainResponse) {
      this.awaitingPlainResponse = false;
      if (input.kind === "too-long") return this.bad("Authentication response too long");
      return this.plainResponse(input.text, "AUTH PLAIN");
    }
    if (input.kind === "too-long") return this.bad("Line too long (at most 512 octets)");
    const command = parseCommand(input.text);
    if ("error" in command) return this.bad(command.error);
    if (command.keyword === "QUIT") return this.quit();
    if (command.keyword === "CAPA") return this.capa();
    if (this.mailbox) {
      if (TRANSACTION_COMMANDS.has(command.keyword)) return this.transaction(command);
      if (AUTHORIZATION_COMMANDS.has(command.keyword)) return err(`${command.keyword} is not valid after login`);
    } else {
      if (AUTHORIZATION_COMMANDS.has(command.keyword)) return this.authorization(command);
      if (TRANSACTION_COMMANDS.has(command.keyword)) return err(`${command.keyword} is only valid after login`);
    }
    return this.bad("Unknown command");
  }

  private bad(text: string): Pop3Reply {
    this.badCommands += 1;
    if (this.badCommands <= MAX_BAD_COMMANDS) return err(text);
    this.log.info({ ip: this.channel.ip, reason: "bad commands", limit: MAX_BAD_COMMANDS }, "pop3 session closed");
    return { line: `-ERR ${text}; too many bad commands, closing`, after: "close" };
  }

  private capa(): Pop3Reply {
    const caps = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"];
    if (!this.mailbox) {
      if (this.channel.loginAllowed()) caps.push("USER", "SASL PLAIN");
      if (this.channel.tlsAvailable && !this.channel.secure) caps.push("STLS");
    }
    caps.push("IMPLEMENTATION Mailroom");
    return { line: "+OK Capability list follows", body: listingLines(caps) };
  }

  private async quit(): Promise<Pop3Reply> {
    if (!this.mailbox) return { line: "+OK Mailroom POP3 server signing off", after: "close" };
    // UPDATE state (RFC 1939 section 6).
    const marked = this.messages.filter((_, i) => this.deleted.has(i));
    const failed = marked.length > 0 ? await this.store.delete(marked) : 0;
    const left = this.messages.length - marked.length + failed;
    this.log.info({ ip: this.channel.ip, mailboxId: this.mailbox.id, deleted: marked.length - failed, failed }, "pop3 quit");
    this.mailbox = null;
    if (failed > 0) return { line: "-ERR [SYS/TEMP] Some deleted messages not removed", after: "close" };
    return { line: `+OK Mailroom POP3 server signing off (${left} message${left === 1 ? "" : "s"} left)`, after: "close" };
  }

  private authorization(command: Pop3Command): Promise<Pop3Reply> | Pop3Reply {
    switch (command.keyword) {
      case "STLS":
        return this.stls();
      case "USER":
        return this.userCommand(command);
      case "PASS":
        return this.pass(command);
      case "AUTH":
        return this.auth(command);
      default:
        return err("APOP is not offered; use USER/PASS or AUTH PLAIN");
    }
  }

  private stls(): Pop3Reply {
    if (this.channel.secure) return err("Already using TLS");
    if (!this.channel.tlsAvailable) return err("STLS is not offered by this server");
    return { line: "+OK Begin TLS negotiation", after: "starttls" };
  }

  private clearTextRefusal(): Pop3Reply | null {
    if (this.channel.loginAllowed()) return null;
    return err("[AUTH] Plain-text login is not allowed on an unencrypted connection; use STLS first");
  }

  private userCommand(command: Pop3Command): Pop3Reply {
    const refused = this.clearTextRefusal();
    if (refused) return refused;
    if (command.args.length !== 1) return this.bad("USER takes one argument: the mailbox address");
    this.user = command.args[0]!;
    return ok("Send PASS");
  }

  private pass(command: Pop3Command): Promise<Pop3Reply> | Pop3Reply {
    const refused = this.clearTextRefusal();
    if (refused) return refused;
    const user = this.user;
    this.user = null;
    if (user === null) return err("Send USER first");
    return this.login(user, command.rest, "USER");
  }

  private auth(command: Pop3Command): Promise<Pop3Reply> | Pop3Reply {
    const [mechanism, initial, ...more] = command.args;
    // `AUTH` alone lists the mechanisms (the form RFC 1734 clients use).
    if (mechanism === undefined) return { line: "+OK Mechanisms follow", body: listingLines(["PLAIN"]) };
    if (mechanism.toUpperCase() !== "PLAIN") return err("Unsupported authentication mechanism (PLAIN is offered)");
    const refused = this.clearTextRefusal();
    if (refused) return refused;
    if (more.length > 0) return this.bad("AUTH PLAIN takes at most one initial response");
    if (initial !== undefined) return this.plainResponse(initial, "AUTH PLAIN");
    this.awaitingPlainResponse = true;
    return { line: "+ " };
  }

  private plainResponse(response: string, method: string): Promise<Pop3Reply> | Pop3Reply {
    if (response === "*") return err("Authentication cancelled");
    const credentials = decodePlainResponse(response);
    if ("error" in credentials) return err(credentials.error);
    return this.login(credentials.username, credentials.password, method);
  }

  private async login(username: string, password: string, method: string): Promise<Pop3Reply> {
    const ip = this.channel.ip;
    const address = username.trim().toLowerCase();
    let login: MailboxLogin;
    try {
      login = await this.store.login(ip, address, password);
    } catch (error) {
      this.log.error({ err: error, ip }, "pop3 login check failed");
      return err("[SYS/TEMP] Temporary authentication failure, try again later");
    }
    if (login.kind === "blocked") {
      this.log.warn({ ip, address, method }, "pop3 login refused: too many failures");
      return err("[SYS/TEMP] Too many failed logins; try again later");
    }
    if (login.kind === "invalid") {
      this.log.info({ ip, address, method }, "pop3 login failed");
      return err("[AUTH] Invalid mailbox address or password");
    }
    try {
      this.messages = await this.store.openMaildrop(login.mailbox);
    } catch (error) {
      this.log.error({ err: error, ip, mailboxId: login.mailbox.id }, "pop3 maildrop could not be opened");
      return err("[SYS/TEMP] The mailbox could not be opened, try again later");
    }
    this.mailbox = login.mailbox;
    this.log.info({ ip, mailboxId: login.mailbox.id, method, messages: this.messages.length }, "pop3 login");
    const [count, octets] = this.totals();
    return ok(`${login.mailbox.address} has ${count} message${count === 1 ? "" : "s"} (${octets} octets)`);
  }

  private transaction(command: Pop3Command): Promise<Pop3Reply> | Pop3Reply {
    switch (command.keyword) {
      case "STAT": {
        const [count, octets] = this.totals();
        return ok(`${count} ${octets}`);
      }
      case "LIST":
        return this.listing(command, (n, m) => `${n} ${m.size}`);
      case "UIDL":
        return this.listing(command, (n, m) => `${n} ${m.id}`);
      case "RETR":
        return this.retr(command);
      case "TOP":
        return this.top(command);
      case "DELE":
        return this.dele(command);
      case "RSET": {
        this.deleted.clear();
        const [count, octets] = this.totals();
        return ok(`Maildrop has ${count} message${count === 1 ? "" : "s"} (${octets} octets)`);
      }
      default:
        return { line: "+OK" };
    }
  }

  /** Messages not marked deleted, and their octets. */
  private totals(): [number, number] {
    let count = 0;
    let octets = 0;
    this.messages.forEach((m, i) => {
      if (this.deleted.has(i)) return;
      count += 1;
      octets += m.size;
    });
    return [count, octets];
  }

  /** The message a number names, or the -ERR to answer (unknown, or marked deleted). */
  private find(arg: string | undefined): { n: number; message: Pop3Message } | Pop3Reply {
    const n = messageNumber(arg);
    const message = n === null ? undefined : this.messages[n - 1];
    if (n === null || !message) return err("No such message");
    if (this.deleted.has(n - 1)) return err(`Message ${n} is already deleted`);
    return { n, message };
  }

  private listing(command: Pop3Command, line: (n: number, m: Pop3Message) => string): Pop3Reply {
    if (command.args.length > 1) return this.bad(`${command.keyword} takes at most one message number`);
    if (command.args.length === 1) {
      const found = this.find(command.args[0]);
      return "line" in found ? found : ok(line(found.n, found.message));
    }
    const messages = this.messages;
    const deleted = this.deleted;
    function* lines() {
      for (let i = 0; i < messages.length; i++) if (!deleted.has(i)) yield line(i + 1, messages[i]!);
    }
    const [count, octets] = this.totals();
    return { line: `+OK ${count} message${count === 1 ? "" : "s"} (${octets} octets)`, body: listingLines(lines()) };
  }

  private async retr(command: Pop3Command): Promise<Pop3Reply> {
    if (command.args.length !== 1) return this.bad("RETR takes one message number");
    const found = this.find(command.args[0]);
    if ("line" in found) return found;
    const bytes = await this.open(found.n, found.message);
    if ("line" in bytes) return bytes;
    return { line: `+OK ${found.message.size} octets`, body: dotStuffed(bytes.chunks) };
  }

  private async top(command: Pop3Command): Promise<Pop3Reply> {
    if (command.args.length !== 2) return this.bad("TOP takes a message number and a number of lines");
    const found = this.find(command.args[0]);
    if ("line" in found) return found;
    const lines = lineCount(command.args[1]);
    if (lines === null) return err("The number of lines must be a non-negative number");
    const bytes = await this.open(found.n, found.message);
    if ("line" in bytes) return bytes;
    return { line: "+OK Top of message follows", body: dotStuffed(topOf(bytes.chunks, lines)) };
  }

  /**
   * The message's bytes, its first slice read before the +OK: a message deleted since login (by
   * the API or another session) is still answered -ERR, not with a response cut short.
   */
  private async open(n: number, message: Pop3Message): Promise<{ chunks: AsyncIterable<Buffer> } | Pop3Reply> {
    const source = this.store.read(message)[Symbol.asyncIterator]();
    let first: IteratorResult<Buffer>;
    try {
      first = await source.next();
    } catch (error) {
      if (error instanceof MailroomError && error.code === "MESSAGE_NOT_FOUND") {
        return err(`Message ${n} is no longer in the mailbox`);
      }
      this.log.error({ err: error, ip: this.channel.ip, messageId: message.id }, "pop3 message could not be read");
      return err("[SYS/TEMP] The message could not be read, try again later");
    }
    async function* chunks() {
      if (first.done) return;
      yield first.value;
      for (;;) {
        const next = await source.next();
        if (next.done) return;
        yield next.value;
      }
    }
    return { chunks: chunks() };
  }

  private dele(command: Pop3Command): Pop3Reply {
    if (command.args.length !== 1) return this.bad("DELE takes one message number");
    const found = this.find(command.args[0]);
    if ("line" in found) return found;
    this.deleted.add(found.n - 1);
    return ok(`Message ${found.n} deleted`);
  }
}
