import { loginMailbox } from "../mailboxes/mailbox-login.js";
import type { FramedCommand } from "./command-reader.js";
import type { HandlerTable, ImapSession } from "./imap-session.js";
import { continuationRequest } from "./response-writer.js";

/** STARTTLS, LOGIN and AUTHENTICATE PLAIN (with SASL-IR, RFC 4959). */
export const AUTH_HANDLERS: HandlerTable = {
  STARTTLS: async (session, command) => {
    const tls = session.context.tls;
    if (!tls || session.conn.secure) return session.tagged(command.tag, "BAD", "STARTTLS is not available here");
    await session.tagged(command.tag, "OK", "Begin TLS negotiation now");
    await session.startTls(tls);
  },
  LOGIN: async (session, command) => {
    await login(session, command.tag, command.username, command.password, "LOGIN");
  },
  AUTHENTICATE: async (session, command) => {
    if (command.mechanism !== "PLAIN") return session.tagged(command.tag, "NO", `Unsupported mechanism ${command.mechanism}`);
    if (!session.loginAllowed) return refuseCleartext(session, command.tag);
    if (command.initialResponse !== null) return plainResponse(session, command.tag, command.initialResponse);
    await session.send(continuationRequest(""));
    session.takeNextLine((line) => onSaslLine(session, command.tag, line));
  },
};

async function onSaslLine(session: ImapSession, tag: string, line: FramedCommand): Promise<void> {
  const text = line.lines.length === 1 ? line.lines[0]!.toString("latin1") : null;
  if (text === null) return session.tagged(tag, "BAD", "Malformed SASL response");
  if (text === "*") return session.tagged(tag, "BAD", "Authentication cancelled");
  await plainResponse(session, tag, text);
}

/** A SASL PLAIN response (RFC 4616): base64 of authzid NUL authcid NUL password; "=" is an empty one. */
async function plainResponse(session: ImapSession, tag: string, encoded: string): Promise<void> {
  const text = encoded === "=" ? "" : encoded;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return session.tagged(tag, "BAD", "Invalid base64");
  const parts = Buffer.from(text, "base64").toString("utf8").split("\0");
  if (parts.length !== 3) return session.tagged(tag, "BAD", "Malformed PLAIN response");
  const [authorize = "", user = "", password = ""] = parts;
  if (authorize !== "" && authorize.toLowerCase() !== user.toLowerCase()) {
    return session.tagged(tag, "NO", "Logging in as another user is not allowed", { name: "AUTHORIZATIONFAILED" });
  }
  await login(session, tag, user, password, "AUTHENTICATE");
}

function refuseCleartext(session: ImapSession, tag: string): Promise<void> {
  return session.tagged(tag, "NO", "Use STARTTLS (or the TLS port) before logging in", { name: "PRIVACYREQUIRED" });
}

/**
 * The submission port's login: the mailbox address and its password, failures counted per client
 * and per address in the database (shared with submission), refused without a check while blocked.
 */
async function login(session: ImapSession, tag: string, username: string, password: string, method: string): Promise<void> {
  if (!session.loginAllowed) return refuseCleartext(session, tag);
  const { deps, conn } = session;
  const address = username.trim().toLowerCase();
  const login = await loginMailbox(deps, conn.ip, address, password);
  if (login.kind === "blocked") {
    session.log.warn({ ip: conn.ip, address }, "imap login refused: too many failures");
    return session.tagged(tag, "NO", "Too many failed logins; try again later", { name: "UNAVAILABLE" });
  }
  if (login.kind === "invalid") {
    session.log.info({ ip: conn.ip, address, method }, "imap login failed");
    return session.tagged(tag, "NO", "Invalid credentials", { name: "AUTHENTICATIONFAILED" });
  }
  const { mailbox } = login;
  session.loggedIn(mailbox);
  session.log.info({ ip: conn.ip, mailboxId: mailbox.id, method }, "imap login");
  await session.tagged(tag, "OK", "Logged in", { name: "CAPABILITY", capabilities: session.capabilities() });
}
