/** A fault of the invocation (a flag, a file, a name that matches nothing): printed as is, exit 1. */
export class CliError extends Error {
  override readonly name = "CliError";
}
