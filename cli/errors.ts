/**
 * The one error the CLI reports to its user: a sentence, printed as one line with a non-zero exit code, never a
 * stack trace. Anything else that escapes a command is a bug and is reported the same way (main.ts).
 */
export class CliError extends Error {
  constructor(
    message: string,
    /** The process exit code: 1 for a failed request or bad input. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The first line of whatever was thrown, for a one-line report. */
export const oneLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
