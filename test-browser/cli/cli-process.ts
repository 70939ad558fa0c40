/**
 * The `hookgate` CLI as a child process, the way a developer runs it: `node cli/hookgate.mjs …` (what the
 * package's bin runs) from the repository root, on the Node running the tests. runCli waits for the exit;
 * startCli keeps a long-running command (receive, tail) and lets the test wait for its lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = join(process.cwd(), "cli", "hookgate.mjs");
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function spawnCli(args: string[]): ChildProcess {
  // NO_COLOR: the assertions read plain text whatever the terminal.
  return spawn(process.execPath, [BIN, ...args], { cwd: process.cwd(), env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
}

export function runCli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  const child = spawnCli(args);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hookgate ${args.join(" ")} did not exit within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface RunningCli {
  stdoutLines(): string[];
  stderr(): string;
  /** Resolves with the first stdout line (from index `from`) that matches; rejects after `timeoutMs` with what was printed. */
  waitForLine(match: (line: string) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<string>;
  /** Resolves once stderr contains `text` (the commands print their "listening"/"following" banner there). */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  exited(): Promise<CliResult>;
  stop(): Promise<CliResult>;
}

export function startCli(args: string[]): RunningCli {
  const child = spawnCli(args);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exit = new Promise<CliResult>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
  const lines = () => stdout.split("\n").filter((line) => line !== "");
  const until = async (check: () => boolean, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`hookgate ${args[0]}: ${what} never came (exit ${child.exitCode}).\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      await sleep(50);
    }
  };
  return {
    stdoutLines: lines,
    stderr: () => stderr,
    async waitForLine(match, { from = 0, timeoutMs = 20_000 } = {}) {
      let found: string | undefined;
      await until(() => (found = lines().slice(from).find(match)) !== undefined, timeoutMs, "the expected line");
      return found!;
    },
    waitForStderr: (text, timeoutMs = 20_000) => until(() => stderr.includes(text), timeoutMs, `'${text}' on stderr`),
    exited: () => exit,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      return exit;
    },
  };
}

/** A failure report is one line on stderr, never a stack trace. */
export function expectOneLineError(result: CliResult): string {
  const lines = result.stderr.trim().split("\n");
  if (result.code === 0 || lines.length !== 1 || /\n\s+at /.test(result.stderr) || !lines[0]!.startsWith("hookgate: ")) {
    throw new Error(`expected a one-line error and a non-zero exit, got exit ${result.code}:\n${result.stderr}`);
  }
  return lines[0]!;
}
