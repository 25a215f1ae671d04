#!/usr/bin/env node
import { Command } from "commander";
import { describeError } from "./client.js";
import { accountsCommand } from "./commands/accounts.js";
import { emailsCommand } from "./commands/emails.js";
import { domainsCommand } from "./commands/domains.js";
import { eventsCommand } from "./commands/events.js";
import { folderMessageCommands, foldersCommand } from "./commands/folders.js";
import { inboxCommands } from "./commands/inbox.js";
import { keysCommand, whoamiCommand } from "./commands/keys.js";
import { messageCommands } from "./commands/messages.js";
import { sendCommand, statusCommand } from "./commands/send.js";
import { sentCommand } from "./commands/sent.js";
import { systemDomainsCommand } from "./commands/system-domains.js";
import { tenantsCommand } from "./commands/tenants.js";
import { webhooksCommand } from "./commands/webhooks.js";
import { createContext } from "./context.js";
import { cliEnv } from "./env.js";
import { stopSpinner } from "./output.js";

const program = new Command("mailroom")
  .description("Command-line client for a Mailroom server")
  .option("--url <url>", "server URL (default: $MAILROOM_URL or http://127.0.0.1:3000)")
  .option("--key <key>", "API key (default: $MAILROOM_API_KEY)")
  .option("--key-file <file>", "read the API key from this file (default: $MAILROOM_API_KEY_FILE)")
  .option("--json", "print JSON for scripts")
  .showHelpAfterError();

const ctx = createContext(program);
program.addCommand(tenantsCommand(ctx));
program.addCommand(keysCommand(ctx));
program.addCommand(whoamiCommand(ctx));
program.addCommand(accountsCommand(ctx));
program.addCommand(emailsCommand(ctx));
program.addCommand(domainsCommand(ctx));
program.addCommand(systemDomainsCommand(ctx));
program.addCommand(sendCommand(ctx));
program.addCommand(statusCommand(ctx));
program.addCommand(sentCommand(ctx));
program.addCommand(eventsCommand(ctx));
program.addCommand(webhooksCommand(ctx));
program.addCommand(foldersCommand(ctx));
for (const command of folderMessageCommands(ctx)) program.addCommand(command);
for (const command of inboxCommands(ctx)) program.addCommand(command);
for (const command of messageCommands(ctx)) program.addCommand(command);

// Ctrl-C or a supervisor's SIGTERM ends any command at once, waits included, with the shell's codes.
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
] as const) {
  process.on(signal, () => {
    stopSpinner();
    process.exit(code);
  });
}

program.parseAsync(process.argv).then(
  () => process.exit(),
  (err: unknown) => {
    stopSpinner();
    const url = program.opts<{ url?: string }>().url ?? cliEnv().url;
    process.stderr.write(`error: ${describeError(err, url)}\n`);
    process.exit(1);
  },
);
