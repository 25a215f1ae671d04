import { isIdleDone } from "./command-parser.js";
import type { HandlerTable } from "./imap-session.js";
import { continuationRequest } from "./response-writer.js";

/**
 * A slow poll under the notifications: a NOTIFY lost while the listener connection was down (or a
 * change made without one) still reaches an idling client within this time.
 */
export const IDLE_POLL_MS = 30_000;

/** IDLE (RFC 2177): changes to the selected folder are reported as they happen until DONE. */
export const IDLE_HANDLERS: HandlerTable = {
  IDLE: async (session, command) => {
    await session.reportChanges("IDLE", true);
    await session.send(continuationRequest("idling"));
    const poll = setInterval(() => {
      session.dirty = true;
      void session.exclusive(() => session.reportChanges("IDLE", true)).catch(() => undefined);
    }, IDLE_POLL_MS);
    poll.unref();
    session.idle = { stop: () => clearInterval(poll) };
    session.takeNextLine(async (line) => {
      session.idle?.stop();
      session.idle = null;
      if (!isIdleDone(line)) return session.tagged(command.tag, "BAD", "Expected DONE");
      await session.ok(command, "IDLE terminated");
    });
  },
};
