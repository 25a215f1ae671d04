import { CommandReader, type FramedCommand } from "../../src/imap/command-reader.js";
import { parseCommand, type ParseResult } from "../../src/imap/command-parser.js";

/** Frames `text` + CRLF with the real reader (literals included) and returns the one command. */
export function frame(text: string | Buffer): FramedCommand {
  const reader = new CommandReader({ maxLineLength: 100_000 });
  const input = Buffer.isBuffer(text) ? text : Buffer.from(text, "utf8");
  const events = reader.push(Buffer.concat([input, Buffer.from("\r\n")]));
  const commands = events.flatMap((event) => (event.type === "command" ? [event.command] : []));
  if (commands.length !== 1) throw new Error(`expected one framed command from ${String(text)}`);
  return commands[0]!;
}

export function parse(text: string | Buffer): ParseResult {
  return parseCommand(frame(text));
}
