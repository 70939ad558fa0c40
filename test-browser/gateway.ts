/**
 * The gateway under `wrangler dev` for the browser tests: a fresh temporary --persist-to directory (migrated
 * and seeded with the demo tenant by the same functions `npm run dev` uses), a free loopback port, and the
 * process group stopped afterwards. The developer's own .wrangler state is never touched.
 */
import { spawn } from "node:child_process";
import { copyFileSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadDevVars } from "../scripts/dev-vars.mjs";
import { applyMigrations, seedDemoTenant } from "../scripts/seed.mjs";

export interface Gateway {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  vars: Record<string, string>;
  logFile: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 90_000;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export const freePort = () =>
  new Promise<number>((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });

export async function startGateway(root: string): Promise<Gateway> {
  process.env.PATH = `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`;
  process.env.WRANGLER_SEND_METRICS = "false";
  // ENVIRONMENT=development (loopback callbacks allowed, non-Secure cookies on http) comes from wrangler.toml
  // [vars]; ADMIN_TOKEN, MASTER_KEY and the demo credentials from .dev.vars (created from the example if missing).
  const vars = loadDevVars(root) as Record<string, string>;
  const state = mkdtempSync(join(tmpdir(), "hookgate-browser-"));
  const persist = ["--persist-to", join(state, "persist")];
  applyMigrations(persist);
  seedDemoTenant(vars, persist);

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const logFile = join(state, "wrangler.log");
  const log = createWriteStream(logFile);
  const args = ["dev", "--port", String(port), "--ip", "127.0.0.1", "--inspector-port", String(inspectorPort), ...persist, "--show-interactive-dev-session=false"];
  // Its own process group, so stopping it also stops workerd and esbuild.
  const child = spawn("wrangler", args, { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const tail = () => readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-30).join("\n");

  const stop = async () => {
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((done) => child.once("exit", () => done()));
      kill("SIGTERM");
      await Promise.race([exited, sleep(5_000)]);
    }
    kill("SIGKILL");
    await new Promise<void>((done) => log.end(done));
    // The server's log stays with the other artifacts, for a failing run in CI.
    mkdirSync(join(root, "test", "artifacts"), { recursive: true });
    copyFileSync(logFile, join(root, "test", "artifacts", "browser-wrangler.log"));
    if (!process.env.KEEP_BROWSER_STATE) rmSync(state, { recursive: true, force: true });
  };

  const origin = `http://127.0.0.1:${port}`;
  const started = Date.now();
  while (Date.now() - started < STARTUP_TIMEOUT_MS) {
    if (child.exitCode !== null) {
      const output = tail();
      await stop();
      throw new Error(`wrangler dev exited (${child.exitCode})\n${output}`);
    }
    try {
      const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return { port, origin, vars, logFile, stop };
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  const output = tail();
  await stop();
  throw new Error(`wrangler dev not answering /healthz on :${port} after ${STARTUP_TIMEOUT_MS / 1000} s\n${output}`);
}
