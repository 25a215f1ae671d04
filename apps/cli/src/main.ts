#!/usr/bin/env node
import { Command } from "commander";
import { describeError } from "./client.js";
import { accountsCommand } from "./commands/accounts.js";
import { emailsCommand } from "./commands/emails.js";
import { domainsCommand } from "./commands/domains.js";
import { inboxCommands } from "./commands/inbox.js";
import { keysCommand, whoamiCommand } from "./commands/keys.js";
import { sendCommand, statusCommand } from "./commands/send.js";
import { tenantsCommand } from "./commands/tenants.js";
import { createContext } from "./context.js";

const program = new Command("mailroom")
  .description("Command-line client for a Mailroom server")
  .option("--url <url>", "server URL (default: $MAILROOM_URL or http://127.0.0.1:3000)")
  .option("--key <key>", "API key (default: $MAILROOM_API_KEY)")
  .option("--json", "print JSON for scripts")
  .showHelpAfterError();

const ctx = createContext(program);
program.addCommand(tenantsCommand(ctx));
program.addCommand(keysCommand(ctx));
program.addCommand(whoamiCommand(ctx));
program.addCommand(accountsCommand(ctx));
program.addCommand(emailsCommand(ctx));
program.addCommand(domainsCommand(ctx));
program.addCommand(sendCommand(ctx));
program.addCommand(statusCommand(ctx));
for (const command of inboxCommands(ctx)) program.addCommand(command);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${describeError(err)}\n`);
  process.exitCode = 1;
});
