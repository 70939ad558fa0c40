/**
 * The `hookgate` developer CLI (run through cli/hookgate.mjs): `send`, `receive` and `tail`, one file each, on
 * commander. Every failure is one line on stderr and a non-zero exit code; HOOKGATE_DEBUG=1 adds the stack.
 */
import { Command, CommanderError } from "commander";
import { CliError, oneLine } from "./errors";
import { receiveCommand } from "./receive";
import { sendCommand } from "./send";
import { tailCommand } from "./tail";

export function program(): Command {
  return new Command("hookgate")
    .description("Hookgate's developer CLI: send vendor deliveries to inbound hooks, receive callbacks, tail a tenant's traffic")
    .showHelpAfterError("(add --help for usage)")
    .addCommand(sendCommand())
    .addCommand(receiveCommand())
    .addCommand(tailCommand())
    .addHelpText("after", "\nRun `hookgate <command> --help` for each command's options and examples.");
}

export async function run(argv: string[]): Promise<void> {
  // Output piped into `head` and closed early: stop quietly, as other command-line tools do.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
  const cli = program();
  // Subcommands too: commander's usage errors come back here instead of exiting, so they end the same way.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(cli);
  try {
    await cli.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; a usage error was already printed by commander.
      process.exitCode = error.exitCode;
      return;
    }
    if (process.env.HOOKGATE_DEBUG && error instanceof Error) console.error(error.stack);
    console.error(`hookgate: ${oneLine(error)}`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  }
}
