import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { Command } from "commander";
import { CliError } from "../cli-error.js";
import type { Context } from "../context.js";
import { printObject, printRows, withSpinner } from "../output.js";

const collect = (value: string, previous: string[]) => [...previous, value];

interface SendOptions {
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo?: string;
  subject: string;
  htmlFile?: string;
  text?: string;
  attach: string[];
  tag: string[];
}

export function sendCommand(ctx: Context): Command {
  return new Command("send")
    .description("Send a message (from one of your mailboxes or an address on an active domain)")
    .requiredOption("--from <address>", "sender: `a@b.c` or `Name <a@b.c>`")
    .requiredOption("--to <address>", "recipient (repeat for several)", collect, [])
    .option("--cc <address>", "copy to (repeatable)", collect, [])
    .option("--bcc <address>", "blind copy to (repeatable)", collect, [])
    .option("--reply-to <address>", "Reply-To address")
    .requiredOption("--subject <text>", "subject line")
    .option("--html-file <file>", "HTML body from a file")
    .option("--text <text>", "plain-text body")
    .option("--attach <file>", "attach a file (repeatable)", collect, [])
    .option("--tag <tag>", "tag the message (repeatable)", collect, [])
    .action(async (opts: SendOptions) => {
      if (opts.htmlFile === undefined && opts.text === undefined) throw new CliError("give --html-file or --text");
      const input = {
        from: opts.from,
        to: opts.to.length === 1 ? opts.to[0]! : opts.to,
        ...(opts.cc.length > 0 ? { cc: opts.cc } : {}),
        ...(opts.bcc.length > 0 ? { bcc: opts.bcc } : {}),
        ...(opts.replyTo ? { reply_to: opts.replyTo } : {}),
        subject: opts.subject,
        ...(opts.htmlFile !== undefined ? { html: readFileSync(opts.htmlFile, "utf8") } : {}),
        ...(opts.text !== undefined ? { text: opts.text } : {}),
        ...(opts.attach.length > 0
          ? { attachments: opts.attach.map((f) => ({ filename: basename(f), content: readFileSync(f).toString("base64") })) }
          : {}),
        ...(opts.tag.length > 0 ? { tags: opts.tag } : {}),
      };
      const result = await withSpinner("Sending…", () => ctx.client().send.send.mutate(input), ctx.output());
      printObject(result, ctx.output());
    });
}

export function statusCommand(ctx: Context): Command {
  return new Command("status")
    .description("Show a sent message and each recipient's delivery")
    .argument("<message_id>", "message id (msg_…)")
    .action(async (id: string) => {
      const message = await withSpinner("Loading…", () => ctx.client().messages.get.query({ id }), ctx.output());
      if (ctx.output().json) return printObject(message, ctx.output());
      if (!("deliveries" in message)) throw new CliError(`${id} is a received message; use mailroom read ${id}`);
      printObject({ id: message.id, from: message.from, subject: message.subject, created_at: message.created_at }, ctx.output());
      printRows(
        message.deliveries,
        ["recipient", "status", "copy_message_id", "attempts", "next_attempt_at", "last_response"],
        ctx.output(),
      );
    });
}
