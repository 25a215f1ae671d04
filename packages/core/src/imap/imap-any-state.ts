import type { HandlerTable } from "./imap-session.js";
import { enabledResponse, idResponse, namespaceResponse, statusResponse } from "./response-writer.js";

/** RFC 2971: what the server says about itself (nothing a client could use to find a vulnerable version). */
const SERVER_ID: [string, string][] = [
  ["name", "Mailroom"],
  ["vendor", "Mailroom"],
];

/** CAPABILITY, NOOP, LOGOUT, ID, NAMESPACE and ENABLE. */
export const ANY_STATE_HANDLERS: HandlerTable = {
  CAPABILITY: async (session, command) => {
    await session.send(session.capabilityLine());
    await session.ok(command, "CAPABILITY completed");
  },
  NOOP: async (session, command) => {
    await session.ok(command, "NOOP completed");
  },
  LOGOUT: async (session, command) => {
    await session.leave();
    await session.send(statusResponse(null, "BYE", "Logging out"));
    await session.send(statusResponse(command.tag, "OK", "LOGOUT completed"));
    session.conn.end();
  },
  ID: async (session, command) => {
    if (command.parameters) session.log.debug({ client: Object.fromEntries(command.parameters) }, "imap client id");
    await session.send(idResponse(SERVER_ID));
    await session.ok(command, "ID completed");
  },
  NAMESPACE: async (session, command) => {
    // One personal namespace, no prefix, "/" between levels (RFC 2342); no shared folders.
    await session.send(namespaceResponse([["", "/"]], null, null));
    await session.ok(command, "NAMESPACE completed");
  },
  ENABLE: async (session, command) => {
    // None of the ENABLE-able extensions (CONDSTORE, QRESYNC, UTF8=ACCEPT) is offered: nothing to enable.
    await session.send(enabledResponse([]));
    await session.ok(command, "ENABLE completed");
  },
};
