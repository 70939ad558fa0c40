// What both benchmarks share: Workers served by `wrangler dev` on free loopback ports (bundled once, served with
// --no-bundle so a source edit cannot reload a Worker mid-measurement), plain HTTP requests to them, CPU accounting
// from /proc, and stopping every child process on every exit path (also on SIGINT/SIGTERM).
import { spawn, execFileSync } from "node:child_process";
import { createWriteStream, readFileSync, readdirSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { cpus, platform, release, totalmem } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

export const HOST = "127.0.0.1";
/**
 * The gateway's LOG_LEVEL in a bench (BENCH_LOG_LEVEL, default warn): under wrangler dev each console line costs
 * about 5 ms of CPU, more than a delivery, and the reference workers log nothing. `info` measures with them.
 */
export const BENCH_LOG_LEVEL = ["info", "warn", "error"].includes(process.env.BENCH_LOG_LEVEL) ? process.env.BENCH_LOG_LEVEL : "warn";
export const gatewayLogArgs = () => ["--var", `LOG_LEVEL:${BENCH_LOG_LEVEL}`];

/** An integer bench setting from the environment, within [min, max]; anything else stops the bench with its name. */
export function intSetting(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer in [${min}, ${max}], got '${raw}'`);
  return value;
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
export const round = (value, digits = 2) =>
  value === null || value === undefined || Number.isNaN(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** A TCP port that is free on the loopback interface right now. */
export const freePort = () =>
  new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });

/** One HTTP request on the loopback interface, with full control over the Host header (fetch forbids setting it). */
export const send = ({ port, path, method = "GET", headers = {}, body, timeout = 15_000, agent }) =>
  new Promise((done, fail) => {
    const req = httpRequest({ host: HOST, port, path, method, headers, timeout, agent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", fail);
    req.end(body);
  });

// CPU accounting from /proc (Linux; null elsewhere). Times are in USER_HZ ticks, 100 per second on Linux.
const TICK_MS = 10;

function processTable() {
  const table = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process exited while we looked.
    }
  }
  return table;
}

/** CPU ms used so far by a process and all its descendants (wrangler, its workerd and esbuild). */
function treeCpuMs(table, rootPid) {
  let ticks = 0;
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop();
    ticks += table.get(pid)?.ticks ?? 0;
    for (const [child, info] of table) if (info.ppid === pid) pending.push(child);
  }
  return ticks * TICK_MS;
}

/** Busy CPU ms of the whole machine, all cores. */
function machineBusyMs() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

export const logTail = (server) => readFileSync(server.logFile, "utf8").trimEnd().split("\n").slice(-25).join("\n");

/**
 * The servers one benchmark runs. `onStop` runs after they are stopped (e.g. closing a receiver).
 * `stateDir` holds bundles and logs.
 */
export function createServerPool({ root, stateDir, startupTimeoutMs = 90_000, onStop = async () => {} }) {
  const servers = [];
  let stopping = null;

  const wrangler = (args) => execFileSync("wrangler", args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

  /**
   * Stops every server: SIGTERM to wrangler, which shuts down its workerd and reaps it, then SIGKILL to whatever
   * is left of that server's own process group.
   */
  function stopServers() {
    stopping ??= Promise.all(
      servers.map(
        (server) =>
          new Promise((done) => {
            const kill = (pid, signal) => {
              try {
                process.kill(pid, signal);
              } catch {
                // Already gone.
              }
            };
            if (server.child.exitCode !== null || server.child.signalCode !== null) {
              kill(-server.child.pid, "SIGKILL");
              return done();
            }
            const forced = setTimeout(() => kill(-server.child.pid, "SIGKILL"), 5_000);
            server.child.once("exit", () => {
              clearTimeout(forced);
              kill(-server.child.pid, "SIGKILL");
              done();
            });
            kill(server.child.pid, "SIGTERM");
          }),
      ),
    ).then(onStop);
    return stopping;
  }

  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping servers`);
      stopServers().then(() => process.exit(130));
    });
  }

  /** Bundles a Worker once (wrangler deploy --dry-run); returns the bundle's entry file. */
  function bundle(name, config) {
    const outdir = join(stateDir, name, "bundle");
    wrangler(["deploy", "--dry-run", "--outdir", outdir, "-c", config]);
    return join(outdir, "index.js");
  }

  /**
   * Serves a bundle with `wrangler dev --no-bundle` and waits until it answers HTTP. Servers start one after the
   * other, each with its own inspector port: two wrangler dev processes starting together both pick 9229.
   * `onStdoutLine(line, server)` sees every line wrangler prints.
   */
  async function startServer({ name, config, entry, persistDir, probePath, extraArgs = [], onStdoutLine }) {
    const [port, inspectorPort] = [await freePort(), await freePort()];
    const logFile = join(stateDir, `${name}.log`);
    const log = createWriteStream(logFile);
    const args = ["dev", entry, "--no-bundle", "-c", config, "--port", String(port), "--ip", HOST];
    args.push("--inspector-port", String(inspectorPort), "--persist-to", persistDir, "--show-interactive-dev-session=false", ...extraArgs);
    const child = spawn("wrangler", args, { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const server = { name, port, inspectorPort, child, logFile, startupMs: 0 };
    let partial = "";
    child.stdout.on("data", (chunk) => {
      log.write(chunk);
      if (!onStdoutLine) return;
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onStdoutLine(line, server);
    });
    child.stderr.pipe(log);
    servers.push(server);
    const started = Date.now();
    while (Date.now() - started < startupTimeoutMs) {
      if (child.exitCode !== null) throw new Error(`${name}: wrangler dev exited (${child.exitCode})\n${logTail(server)}`);
      try {
        await send({ port, path: probePath, timeout: 2_000 });
        server.startupMs = Date.now() - started;
        return server;
      } catch {
        await sleep(250);
      }
    }
    throw new Error(`${name}: not answering on :${port} after ${startupTimeoutMs / 1000} s\n${logTail(server)}`);
  }

  /** CPU so far: each server's process tree, this process, and the whole machine (Linux; null elsewhere). */
  function cpuSample() {
    if (platform() !== "linux") return null;
    const table = processTable();
    const usage = process.cpuUsage();
    return {
      servers: Object.fromEntries(servers.map((server) => [server.name, treeCpuMs(table, server.child.pid)])),
      bench: (usage.user + usage.system) / 1000,
      machine: machineBusyMs(),
      at: performance.now(),
    };
  }

  return { servers, wrangler, bundle, startServer, stopServers, cpuSample };
}

/** Which commit the figures belong to, and whether the measured source differed from it. */
export function gitState(root) {
  const git = (args) => execFileSync("git", args, { cwd: root, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" }).trim();
  try {
    return { commit: git(["rev-parse", "--short", "HEAD"]), source_dirty: git(["status", "--porcelain", "--", "src", "migrations", "wrangler.toml"]) !== "" };
  } catch {
    return { commit: null, source_dirty: null };
  }
}

/** The machine the figures came from. */
export function machineInfo(loadAverageBefore) {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memory_gb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${platform()} ${release()}`,
    load_average_1m_before: loadAverageBefore,
  };
}

export const wranglerVersion = (root) => JSON.parse(readFileSync(join(root, "node_modules", "wrangler", "package.json"), "utf8")).version;

/**
 * Runs a bench's main() under a watchdog: past `watchdogMs` the servers are stopped and the process exits 1,
 * so a hung phase never leaves wrangler running. Failures print `<name> failed: …` and set exit code 1.
 */
export async function runBench({ name, watchdogMs, main, stopServers, cleanup = () => {} }) {
  const watchdog = setTimeout(() => {
    console.error(`${name}: watchdog fired after ${Math.round(watchdogMs / 1000)} s`);
    stopServers().then(() => process.exit(1));
  }, watchdogMs);
  try {
    await main();
  } catch (error) {
    process.exitCode = 1;
    console.error(`${name} failed: ${error instanceof Error ? error.message : error}`);
    if (error?.stderr) console.error(String(error.stderr));
  } finally {
    clearTimeout(watchdog);
    cleanup();
    await stopServers();
  }
}
