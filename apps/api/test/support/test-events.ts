import { appendEvents, type NewEvent } from "@mailroom/core";
import type { TestServer } from "./test-server.js";

/**
 * Writes events as their producers do (appendEvents), for tests of what reads the log. Where a
 * real cause exists (an API call that records the event), prefer it.
 */
export function writeEvents(server: TestServer, events: NewEvent[]): Promise<void> {
  return appendEvents(server.app.core.deps.db, events);
}
