// `npm run bench`: the gateway's createticket POST against a reference Worker (bench/reference/: parse JSON, one
// D1 INSERT) under the same local runtime and the same autocannon load on 127.0.0.1. Prints req/s, p50, p99 and
// the gateway/reference ratios; writes bench/results/latest.json. Bounded: fixed durations, a watchdog, and both
// servers are stopped on every exit path.
//
// Settings (env): BENCH_DURATION seconds per measured run (default 10), BENCH_CONNECTIONS (default 10),
// BENCH_WARMUP seconds per target (default 2), BENCH_ROUNDS (default 2). Rounds alternate the order
// (reference, gateway | gateway, reference | ...) so that drift and other load on the machine hit both alike.
// On Linux it also measures the CPU the servers used per request and the CPU that other processes took meanwhile.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { loadDevVars } from "../scripts/dev-vars.mjs";
import { BENCH_LOG_LEVEL, HOST, createServerPool, gatewayLogArgs, intSetting, runBench, gitState, machineInfo, wranglerVersion, round, send, sleep } from "./local-servers.mjs";
import { applyMigrations, seedDemoTenant } from "../scripts/seed.mjs";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const STATE = join(ROOT, "bench", ".state");
const RESULTS = join(ROOT, "bench", "results", "latest.json");
const CREATE_TICKET_PATH = "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/createticket";
const BODY = JSON.stringify({ requester_email: "john.doe@optimalidm.com", title: "Bench ticket", description: "load" });
const TARGET = { throughputRatioMin: 0.85, p99RatioMax: 2 };
const STARTUP_TIMEOUT_MS = 90_000;
const PAUSE_BETWEEN_RUNS_MS = 1_000;
const BUSY_MACHINE_CORES = 0.25;
const TARGETS = ["reference", "gateway"];

const settings = {
  durationSeconds: intSetting("BENCH_DURATION", 10, 1, 300),
  connections: intSetting("BENCH_CONNECTIONS", 10, 1, 256),
  warmupSeconds: intSetting("BENCH_WARMUP", 2, 0, 60),
  rounds: intSetting("BENCH_ROUNDS", 2, 1, 10),
  pipelining: 1,
  gatewayLogLevel: BENCH_LOG_LEVEL,
};
const roundOrder = (index) => (index % 2 === 0 ? TARGETS : [...TARGETS].reverse());

// Children find wrangler (and the Node 22 it needs) in node_modules/.bin even when run as `node bench/run.mjs`.
process.env.PATH = `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`;
process.env.WRANGLER_SEND_METRICS = "false";
// Loopback only: without this, wrangler dev fetches the Request.cf placeholder from workers.cloudflare.com.
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

const { bundle, startServer, stopServers, cpuSample } = createServerPool({ root: ROOT, stateDir: STATE, startupTimeoutMs: STARTUP_TIMEOUT_MS });
const sum = (values) => values.reduce((total, value) => total + value, 0);

/** autocannon with the shared settings; resolves with its result. */
const load = (target, durationSeconds) =>
  autocannon({
    url: `http://${HOST}:${target.port}${target.path}`,
    method: "POST",
    headers: target.headers,
    body: BODY,
    connections: settings.connections,
    pipelining: settings.pipelining,
    duration: durationSeconds,
    timeout: 10,
  });

/** One measured run: autocannon figures plus, on Linux, server CPU per request and other processes' CPU. */
async function measure(name, target) {
  const before = cpuSample();
  const result = await load(target, settings.durationSeconds);
  const after = cpuSample();
  const responses = result["2xx"] + result.non2xx;
  const run = {
    target: name,
    requests_per_second: round(result["2xx"] / result.duration),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    mean_ms: round(result.latency.mean),
    max_ms: result.latency.max,
    responses_2xx: result["2xx"],
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration_s: round(result.duration),
    server_cpu_ms: null,
    server_cpu_ms_per_request: null,
    other_processes_cpu_cores: null,
  };
  if (before && after) {
    const serverMs = after.servers[name] - before.servers[name];
    const ownMs = sum(Object.keys(after.servers).map((key) => after.servers[key] - before.servers[key])) + (after.bench - before.bench);
    run.server_cpu_ms = serverMs;
    run.server_cpu_ms_per_request = responses > 0 ? round(serverMs / responses) : null;
    run.other_processes_cpu_cores = round(Math.max(0, after.machine - before.machine - ownMs) / (result.duration * 1000));
  }
  return run;
}

/** Per-target totals over all rounds: throughput from summed counts, latencies as the mean of the rounds. */
function aggregate(runs) {
  const mean = (key) => round(sum(runs.map((run) => run[key])) / runs.length, 1);
  const total = (key) => sum(runs.map((run) => run[key]));
  const cpuKnown = runs.every((run) => run.server_cpu_ms !== null);
  return {
    requests_per_second: round(total("responses_2xx") / total("duration_s")),
    p50_ms: mean("p50_ms"),
    p99_ms: mean("p99_ms"),
    max_ms: Math.max(...runs.map((run) => run.max_ms)),
    responses_2xx: total("responses_2xx"),
    non_2xx: total("non_2xx"),
    errors: total("errors"),
    timeouts: total("timeouts"),
    server_cpu_ms_per_request: cpuKnown ? round(total("server_cpu_ms") / (total("responses_2xx") + total("non_2xx"))) : null,
  };
}

const failures = (figures) => figures.non_2xx + figures.errors + figures.timeouts;

function describeRun(run, index, count) {
  const cpu = run.server_cpu_ms_per_request === null ? "" : `, server CPU ${run.server_cpu_ms_per_request} ms/req, others ${run.other_processes_cpu_cores} cores`;
  return `  run ${index}/${count} ${run.target.padEnd(9)} ${run.requests_per_second.toFixed(1)} req/s, p50 ${run.p50_ms} ms, p99 ${run.p99_ms} ms, ${failures(run)} errors${cpu}`;
}

function printTable(figures, ratios) {
  const rows = [
    ["", "req/s", "p50 ms", "p99 ms", "errors", "CPU ms/req"],
    ...TARGETS.map((name) => {
      const f = figures[name];
      return [name, f.requests_per_second.toFixed(1), String(f.p50_ms), String(f.p99_ms), String(failures(f)), String(f.server_cpu_ms_per_request ?? "n/a")];
    }),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  console.log("");
  for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  "));
  console.log("");
  console.log(`throughput gateway/reference: ${ratios.throughput.toFixed(2)}x  (target >= ${TARGET.throughputRatioMin}x)`);
  console.log(`p99 gateway/reference:        ${ratios.p99.toFixed(2)}x  (target <= ${TARGET.p99RatioMax}x)`);
  if (ratios.server_cpu_per_request !== null) console.log(`server CPU per request:       ${ratios.server_cpu_per_request.toFixed(2)}x`);
}

async function main() {
  const loadBefore = round(loadavg()[0]);
  const vars = loadDevVars(ROOT);
  rmSync(STATE, { recursive: true, force: true });
  const gatewayState = join(STATE, "gateway", "persist");
  const referenceState = join(STATE, "reference", "persist");
  const referenceConfig = join("bench", "reference", "wrangler.toml");

  console.log("Preparing fresh local state (migrations, demo tenant 'acme')...");
  applyMigrations(["--persist-to", gatewayState]);
  seedDemoTenant(vars, ["--persist-to", gatewayState]);
  applyMigrations(["-c", referenceConfig, "--persist-to", referenceState]);

  const gatewayEntry = bundle("gateway", "wrangler.toml");
  const referenceEntry = bundle("reference", referenceConfig);
  console.log("Starting gateway and reference (wrangler dev)...");
  const gateway = await startServer({ name: "gateway", config: "wrangler.toml", entry: gatewayEntry, persistDir: gatewayState, probePath: "/healthz", extraArgs: gatewayLogArgs() });
  const reference = await startServer({ name: "reference", config: referenceConfig, entry: referenceEntry, persistDir: referenceState, probePath: "/" });
  const [gatewayPort, referencePort] = [gateway.port, reference.port];
  const startup = { gateway_ms: gateway.startupMs, reference_ms: reference.startupMs };
  console.log(`Gateway on ${HOST}:${gatewayPort} up after ${startup.gateway_ms} ms, reference on ${HOST}:${referencePort} after ${startup.reference_ms} ms.`);

  const targets = {
    gateway: {
      port: gatewayPort,
      path: CREATE_TICKET_PATH,
      headers: { host: `acme.localhost:${gatewayPort}`, authorization: vars.DEMO_API_KEY, "content-type": "application/json" },
    },
    reference: { port: referencePort, path: "/", headers: { "content-type": "application/json" } },
  };

  for (const name of TARGETS) {
    const { port, path, headers } = targets[name];
    const probe = await send({ port, path, method: "POST", headers, body: BODY });
    if (probe.status !== 201) throw new Error(`${name}: expected 201 from a single request, got ${probe.status}: ${probe.text.slice(0, 500)}`);
    if (settings.warmupSeconds > 0) {
      console.log(`Warming up ${name} (${settings.warmupSeconds} s)...`);
      await load(targets[name], settings.warmupSeconds);
    }
  }

  const plan = Array.from({ length: settings.rounds }, (_, index) => roundOrder(index)).flat();
  console.log(`Measuring: ${plan.length} runs of ${settings.durationSeconds} s, ${settings.connections} connections, order ${plan.join(", ")}`);
  const runs = [];
  for (const [index, name] of plan.entries()) {
    await sleep(PAUSE_BETWEEN_RUNS_MS);
    const run = await measure(name, targets[name]);
    runs.push({ round: Math.floor(index / TARGETS.length) + 1, ...run });
    console.log(describeRun(run, index + 1, plan.length));
  }

  const figures = Object.fromEntries(TARGETS.map((name) => [name, aggregate(runs.filter((run) => run.target === name))]));
  const cpuRatio =
    figures.gateway.server_cpu_ms_per_request && figures.reference.server_cpu_ms_per_request
      ? round(figures.gateway.server_cpu_ms_per_request / figures.reference.server_cpu_ms_per_request, 3)
      : null;
  const ratios = {
    throughput: round(figures.gateway.requests_per_second / figures.reference.requests_per_second, 3),
    p99: round(figures.gateway.p99_ms / figures.reference.p99_ms, 3),
    server_cpu_per_request: cpuRatio,
  };
  printTable(figures, ratios);

  const warnings = [];
  for (const name of TARGETS) {
    const f = figures[name];
    if (failures(f) > 0) warnings.push(`${name}: ${f.non_2xx} non-2xx, ${f.errors} errors, ${f.timeouts} timeouts (server log: ${relative(ROOT, join(STATE, `${name}.log`))})`);
  }
  const busiest = Math.max(...runs.map((run) => run.other_processes_cpu_cores ?? 0));
  const conclusive = busiest <= BUSY_MACHINE_CORES;
  if (!conclusive) warnings.push(`other processes used up to ${busiest} cores during the runs: req/s and latency ratios are noisy, rerun on an idle machine (CPU per request is less affected)`);
  for (const warning of warnings) console.log(`WARNING ${warning}`);
  const met = failures(figures.gateway) === 0 && ratios.throughput >= TARGET.throughputRatioMin && ratios.p99 <= TARGET.p99RatioMax;
  console.log(`Target ${met ? "met" : "NOT met"}${conclusive ? "." : " (inconclusive: machine busy)."}`);

  const report = {
    date: new Date().toISOString(),
    command: "npm run bench",
    ...gitState(ROOT),
    request: { method: "POST", gateway_path: CREATE_TICKET_PATH, reference_path: "/", body: JSON.parse(BODY) },
    settings: {
      gateway_log_level: settings.gatewayLogLevel,
      duration_s: settings.durationSeconds,
      connections: settings.connections,
      warmup_s: settings.warmupSeconds,
      rounds: settings.rounds,
      pipelining: settings.pipelining,
      order: plan,
      runtime: `wrangler ${wranglerVersion(ROOT)} dev (local workerd); each Worker bundled once, served with --no-bundle`,
      figures: "req/s = 2xx responses per second over all runs; p50/p99 = mean of the runs; CPU = server process tree per response",
    },
    machine: machineInfo(loadBefore),
    startup,
    gateway: figures.gateway,
    reference: figures.reference,
    ratios,
    target: { throughput_ratio_min: TARGET.throughputRatioMin, p99_ratio_max: TARGET.p99RatioMax, met, conclusive },
    warnings,
    runs,
  };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Wrote ${relative(ROOT, RESULTS)}`);
}

const watchdogMs =
  3 * STARTUP_TIMEOUT_MS + (2 * settings.warmupSeconds + 2 * settings.rounds * (settings.durationSeconds + 15)) * 1000;
await runBench({
  name: "bench",
  watchdogMs,
  main,
  stopServers,
});
