/**
 * The one error the command parser reports: the server answers it with `<tag> BAD <message>`, or
 * `* BAD <message>` when no tag could be read.
 */
export class ImapParseError extends Error {
  override readonly name = "ImapParseError";
  tag: string | null;

  constructor(tag: string | null, message: string) {
    super(message);
    this.tag = tag;
  }
}
