// `npm run bench:delivery`: end-to-end ordered delivery. A local receiver (Node http on 127.0.0.1) and the gateway
// under `wrangler dev`: for each K in BENCH_DELIVERY_TENANTS, post N AR System entries spread round-robin over K
// tenants (each tenant has one AR webhook on form Widget pointing at the receiver: one stream per tenant), then
// wait until every entry's callback arrived. Measures delivered events/s, end-to-end latency (inbound 201 ->
// callback received, matched by entry_id) p50/p99, ordering violations per stream (seq from `webhook-id:
// msg_<seq>_<webhookId>` must strictly increase among first receipts), duplicates, and the ratio against a
// reference Worker (bench/delivery-reference/) that fetches the same receiver in a tight serial loop in the same
// runtime. A second, paced phase per K measures latency without a backlog. A last phase, "open streams", measures
// how the engine's cost per send depends on how many streams are open: for each S in BENCH_DELIVERY_STREAM_COUNTS,
// D deliveries over S streams (one AR webhook with `ordering: record` on its own form in a tenant of its own, each
// record a stream) are held by the engine, then released at once and timed to the last callback. Writes
// bench/results/delivery-latest.json. Bounded (per-phase timeouts and a watchdog); loopback only; every child
// process is stopped on every exit path.
//
// Settings (env):
//   BENCH_DELIVERY_EVENTS         N events per K in the load phase (default 2000)
//   BENCH_DELIVERY_TENANTS        the K values, comma separated (default 1,4,16)
//   BENCH_DELIVERY_CONCURRENCY    inbound connections posting entries (default 8)
//   BENCH_DELIVERY_PACED_EVENTS   events per K in the paced latency phase (default 40; 0 skips it)
//   BENCH_DELIVERY_PACED_RATE     events/s in the paced phase (default 10)
//   BENCH_DELIVERY_BACKLOG_EVENTS events per K in the backlog phase, the engine alone (default 1000; 0 skips it)
//   BENCH_DELIVERY_PROFILE        write a V8 CPU profile of the gateway during each backlog phase to
//                                 <path>.k<K>.cpuprofile (profiling slows it: figures from such a run are not comparable)
//   BENCH_DELIVERY_REF_EVENTS     events per reference loop (default 1000)
//   BENCH_DELIVERY_TIMEOUT        seconds to wait for the callbacks of one phase (default 180)
//   BENCH_DELIVERY_QUEUE_TIMEOUT  bench-only override of the queue consumer's max_batch_timeout (seconds, 0-60):
//                                 the gateway then runs from a copy of wrangler.toml in bench/.state-delivery
//                                 with that one value changed (default: unset, wrangler.toml as committed)
//   BENCH_DELIVERY_OUT            results file (default bench/results/delivery-latest.json)
//   BENCH_DELIVERY_STREAM_SENDS   D, deliveries per case of the open-streams phase (default 10000; 0 skips the phase)
//   BENCH_DELIVERY_STREAM_COUNTS  the S values (open streams per case), comma separated, each <= D (default 100,10000)
//   BENCH_DELIVERY_STREAM_TIMEOUT seconds one open-streams case may take in all: webhook, ingest of D entries, hold,
//                                 drain (default 1200: on the current engine the 10,000-stream ingest alone took 565 s on a
//                                 busy 2-core machine, since every wake-up while held reads every held stream head)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer } from "node:http";
import { loadavg } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadDevVars } from "../scripts/dev-vars.mjs";
import { startCpuProfile } from "./cpu-profile.mjs";
import { applyMigrations, databaseBindings, seedDemoTenant } from "../scripts/seed.mjs";
import { BENCH_LOG_LEVEL, HOST, createServerPool, gatewayLogArgs, intSetting, runBench, gitState, machineInfo, wranglerVersion, logTail, round, send as sendRequest, sleep } from "./local-servers.mjs";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
// Its own directory, beside bench/.state rather than in it: `npm run bench` wipes all of bench/.state when it
// starts, which would pull the state out from under a delivery run going on at the same time.
const STATE = join(ROOT, "bench", ".state-delivery");
const FORM = "Widget";
const STARTUP_TIMEOUT_MS = 90_000;
const TARGET = { perStreamRatioMin: 0.5, p50MsMax: 50 };

function listSetting(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1 || value > 64)) throw new Error(`${name} must list integers in [1, 64], got '${raw}'`);
  return values;
}

/** BENCH_DELIVERY_STREAM_COUNTS: open streams per case of the open-streams phase. */
function streamCountsSetting(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const values = raw.split(",").map((part) => Number(part.trim()));
  if (values.some((value) => !Number.isInteger(value) || value < 1 || value > 100_000)) throw new Error(`${name} must list integers in [1, 100000], got '${raw}'`);
  return values;
}

const settings = {
  events: intSetting("BENCH_DELIVERY_EVENTS", 2000, 1, 100_000),
  gatewayLogLevel: BENCH_LOG_LEVEL,
  tenants: listSetting("BENCH_DELIVERY_TENANTS", [1, 4, 16]),
  concurrency: intSetting("BENCH_DELIVERY_CONCURRENCY", 8, 1, 256),
  pacedEvents: intSetting("BENCH_DELIVERY_PACED_EVENTS", 40, 0, 10_000),
  pacedRate: intSetting("BENCH_DELIVERY_PACED_RATE", 10, 1, 1000),
  backlogEvents: intSetting("BENCH_DELIVERY_BACKLOG_EVENTS", 1000, 0, 100_000),
  referenceEvents: intSetting("BENCH_DELIVERY_REF_EVENTS", 1000, 1, 100_000),
  phaseTimeoutSeconds: intSetting("BENCH_DELIVERY_TIMEOUT", 180, 5, 3600),
  queueBatchTimeout: process.env.BENCH_DELIVERY_QUEUE_TIMEOUT ? intSetting("BENCH_DELIVERY_QUEUE_TIMEOUT", 1, 0, 60) : null,
  streamSends: intSetting("BENCH_DELIVERY_STREAM_SENDS", 10_000, 0, 100_000),
  streamCounts: streamCountsSetting("BENCH_DELIVERY_STREAM_COUNTS", [100, 10_000]),
  streamCaseTimeoutSeconds: intSetting("BENCH_DELIVERY_STREAM_TIMEOUT", 1200, 30, 7200),
};
if (settings.streamSends > 0 && settings.streamCounts.some((streams) => streams > settings.streamSends)) {
  throw new Error(`BENCH_DELIVERY_STREAM_COUNTS: every stream count must be <= BENCH_DELIVERY_STREAM_SENDS (${settings.streamSends}), got ${settings.streamCounts.join(",")}`);
}
/** The open-streams phase: its tenant, its form, and the target on the cost per send. */
const STREAM_TENANT = "bench-streams";
const STREAM_FORM = "Streamed";
const STREAM_TARGET = { ratioMax: 1.5, fewStreams: 100, manyStreams: 10_000 };
/** BENCH_DELIVERY_PROFILE: where to write the gateway's CPU profile of each backlog phase (<path>.k<K>.cpuprofile). */
const PROFILE_FILE = process.env.BENCH_DELIVERY_PROFILE ? resolve(process.env.BENCH_DELIVERY_PROFILE) : null;
/** The longest the backlog phase holds a callback: below the 30 s callback timeout the bench registers. */
const HOLD_LIMIT_MS = 25_000;
const RESULTS = resolve(ROOT, process.env.BENCH_DELIVERY_OUT || join("bench", "results", "delivery-latest.json"));
const maxTenants = Math.max(...settings.tenants);

process.env.PATH = `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}`;
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

const now = () => performance.now();

// ---------------------------------------------------------------------------------------------------------------
// Child processes (wrangler dev), stopped on every exit path.

let receiver = null;
const pool = createServerPool({
  root: ROOT,
  stateDir: STATE,
  startupTimeoutMs: STARTUP_TIMEOUT_MS,
  onStop: () => new Promise((done) => (receiver ? receiver.close(() => done()) : done())),
});
const { bundle, stopServers, cpuSample, wrangler } = pool;

/** The load phase posts thousands of entries: reuse connections. */
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const send = (options) => sendRequest({ agent, ...options });

/**
 * Starts a server and timestamps the queue consumer's log lines as they arrive (`QUEUE <queue> <acked>/<size>
 * (<ms>ms)`, printed when a batch finishes) so that each phase can count its own batches.
 */
async function startServer(options) {
  const queueBatches = [];
  const server = await pool.startServer({
    ...options,
    onStdoutLine: (line) => {
      const match = /QUEUE \S+ (\d+)\/(\d+) \((\d+)ms\)/.exec(line);
      if (match) queueBatches.push({ at: now(), size: Number(match[2]), ms: Number(match[3]) });
    },
  });
  server.queueBatches = queueBatches;
  return server;
}

/** CPU used between two samples: each server's tree, this process (client + receiver), and everything else. */
function cpuBetween(before, after) {
  if (!before || !after) return null;
  const seconds = (after.at - before.at) / 1000;
  const serversMs = Object.fromEntries(Object.keys(after.servers).map((name) => [name, after.servers[name] - (before.servers[name] ?? 0)]));
  const benchMs = after.bench - before.bench;
  const ownMs = Object.values(serversMs).reduce((a, b) => a + b, 0) + benchMs;
  return {
    seconds: round(seconds),
    servers_ms: serversMs,
    bench_process_ms: round(benchMs, 0),
    other_processes_cores: round(Math.max(0, after.machine - before.machine - ownMs) / (seconds * 1000)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The receiver: records every gateway callback (first receipt per entry id, duplicates, order per webhook id) and
// counts the reference Worker's requests.

function createReceiver() {
  const state = {
    firstByEntry: new Map(), // '<tenant slug>:<entry_id>' -> { at, seq, webhookId }
    lastSeqByWebhook: new Map(), // '<tenant slug>/<webhook id>' -> highest seq among first receipts
    receipts: 0,
    duplicates: 0,
    violations: [], // { webhookId, seq, after }
    unmatched: 0,
    reference: 0,
    waiters: [],
    holdSlugs: new Set(), // tenants whose next callback is held unanswered (backlog phase)
    held: [], // { slug, res } of those held callbacks
    streamCase: null, // the open-streams case under way (see newStreamCase), which its /streams/ callbacks go to
    streamStray: 0, // /streams/ callbacks for no case under way (a finished case's webhook)
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const at = now();
      if (req.url?.startsWith("/ref")) {
        state.reference++;
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
        return;
      }
      if (req.url?.startsWith("/streams/")) {
        streamReceipt(state, req, chunks, res, at);
        return;
      }
      state.receipts++;
      const id = /^msg_(\d+)_(.+)$/.exec(String(req.headers["webhook-id"] ?? ""));
      let entryId = null;
      try {
        entryId = JSON.parse(Buffer.concat(chunks).toString("utf8")).entry_id ?? null;
      } catch {
        // Not JSON: counted as unmatched below.
      }
      // Entry ids are per tenant: the receiver path (/hook/<slug>) says whose it is.
      const slug = /^\/hook\/([^/?]+)/.exec(req.url ?? "")?.[1];
      if (slug && state.holdSlugs.delete(slug)) state.held.push({ slug, res });
      else res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      if (!id || !entryId || !slug) {
        state.unmatched++;
        return;
      }
      const key = `${slug}:${entryId}`;
      if (state.firstByEntry.has(key)) {
        state.duplicates++;
        return;
      }
      // Webhook ids are numbered per tenant too: a stream is (tenant, webhook id).
      const [seq, webhookId] = [Number(id[1]), `${slug}/${id[2]}`];
      const last = state.lastSeqByWebhook.get(webhookId);
      if (last !== undefined && seq <= last) state.violations.push({ webhookId, seq, after: last });
      else state.lastSeqByWebhook.set(webhookId, seq);
      state.firstByEntry.set(key, { at, seq, webhookId });
      for (const waiter of state.waiters) waiter(key);
    });
  });
  return { server, state };
}

/**
 * The receiver's record of one open-streams case: its callbacks arrive at `path`. The first `goneLeft` of
 * them are answered 410 Gone (the engine then disables the webhook and holds its deliveries); every other one
 * is answered 200. Counted per webhook-id (first receipt; later ones are duplicates), and ordered per stream:
 * with `ordering: record` a stream is (webhook, entry_id), whose seqs must increase among first receipts.
 */
function newStreamCase(path) {
  return {
    path,
    goneLeft: 1,
    goneAt: [],
    releasedAt: null,
    firstByMsg: new Set(),
    lastSeqByStream: new Map(),
    early: 0, // first receipts before the release: the hold leaked
    duplicates: 0,
    violations: [], // { stream, seq, after }
    unmatched: 0,
    firstAt: null, // first receipt after the release
    lastAt: null, // last first receipt
    expected: Infinity,
    onProgress: null,
  };
}

function streamReceipt(state, req, chunks, res, at) {
  const run = state.streamCase;
  if (!run || !req.url?.startsWith(run.path)) {
    state.streamStray++;
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  if (run.goneLeft > 0) {
    run.goneLeft--;
    run.goneAt.push(at);
    res.writeHead(410, { "content-type": "text/plain" }).end("gone");
    return;
  }
  res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  const msgId = String(req.headers["webhook-id"] ?? "");
  const id = /^msg_(\d+)_(.+)$/.exec(msgId);
  let entryId = null;
  try {
    entryId = JSON.parse(Buffer.concat(chunks).toString("utf8")).entry_id ?? null;
  } catch {
    // Not JSON: unmatched.
  }
  if (!id || !entryId) {
    run.unmatched++;
    return;
  }
  if (run.firstByMsg.has(msgId)) {
    run.duplicates++;
    return;
  }
  run.firstByMsg.add(msgId);
  if (run.releasedAt === null) run.early++;
  else run.firstAt ??= at;
  run.lastAt = at;
  const [seq, stream] = [Number(id[1]), `${id[2]}|${entryId}`];
  const last = run.lastSeqByStream.get(stream);
  if (last !== undefined && seq <= last) run.violations.push({ stream, seq, after: last });
  else run.lastSeqByStream.set(stream, seq);
  run.onProgress?.();
}

/** Resolves when the case has `expected` first receipts, or at `deadline` (with what arrived). */
function waitForStreamCallbacks(run, expected, deadline) {
  return new Promise((done) => {
    const finish = (timedOut) => {
      clearTimeout(timer);
      run.onProgress = null;
      done({ timedOut, missing: Math.max(0, expected - run.firstByMsg.size) });
    };
    const timer = setTimeout(() => finish(true), Math.max(0, deadline - now()));
    run.expected = expected;
    run.onProgress = () => {
      if (run.firstByMsg.size >= expected) finish(false);
    };
    run.onProgress();
  });
}

/**
 * Resolves when every entry id has a first receipt, or after the timeout (with what arrived). Each receipt
 * is checked off by its key, O(1): a scan of everything still missing per callback made the receiver (this
 * process) slower as N grew, and the serial stream it answers with it.
 */
function waitForEntries(state, entryIds, timeoutMs) {
  return new Promise((done) => {
    const pending = new Set(entryIds.filter((id) => !state.firstByEntry.has(id)));
    if (pending.size === 0) return done({ timedOut: false, missing: 0 });
    const timer = setTimeout(() => finish(true), timeoutMs);
    const waiter = (key) => {
      if (pending.delete(key) && pending.size === 0) finish(false);
    };
    function finish(timedOut) {
      clearTimeout(timer);
      state.waiters = state.waiters.filter((w) => w !== waiter);
      done({ timedOut, missing: pending.size });
    }
    state.waiters.push(waiter);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Tenants and webhooks.

async function createTenants(gatewayPort, vars, receiverPort) {
  const admin = { authorization: `Bearer ${vars.ADMIN_TOKEN}`, "content-type": "application/json" };
  const tenants = [{ slug: "acme", apiKey: vars.DEMO_API_KEY }];
  for (let index = 2; index <= maxTenants; index++) {
    const slug = `bench-t${String(index).padStart(2, "0")}`;
    const created = await send({ port: gatewayPort, path: "/admin/v1/tenants", method: "POST", headers: admin, body: JSON.stringify({ slug, name: `Bench tenant ${index}` }) });
    if (created.status !== 201) throw new Error(`create tenant ${slug}: ${created.status} ${created.text.slice(0, 300)}`);
    const key = await send({ port: gatewayPort, path: `/admin/v1/tenants/${slug}/api-keys`, method: "POST", headers: admin, body: JSON.stringify({ name: "bench" }) });
    if (key.status !== 201) throw new Error(`create api key for ${slug}: ${key.status} ${key.text.slice(0, 300)}`);
    tenants.push({ slug, apiKey: JSON.parse(key.text).key });
  }
  for (const tenant of tenants) {
    const body = JSON.stringify({
      form_name: FORM,
      entry_events: ["create"],
      callback: { url: `http://${HOST}:${receiverPort}/hook/${tenant.slug}`, authentication: { type: "NO_AUTH" } },
      // The longest timeout allowed: the backlog phase holds each stream's first callback while it posts.
      retry_policy: { timeoutMs: 30_000 },
    });
    const res = await send({ port: gatewayPort, path: `/t/${tenant.slug}/api/arsys/v1.0/webhook`, method: "POST", headers: tenantHeaders(tenant), body });
    if (res.status !== 201) throw new Error(`register webhook for ${tenant.slug}: ${res.status} ${res.text.slice(0, 300)}`);
    tenant.webhookId = String(res.headers.location ?? "").split("/").pop();
  }
  return tenants;
}

const tenantHeaders = (tenant) => ({ authorization: tenant.apiKey, "content-type": "application/json" });

/** Posts one entry; resolves with its id (from Location) and the times it was sent and acknowledged. */
async function postEntry(gatewayPort, tenant, n) {
  const sentAt = now();
  const res = await send({
    port: gatewayPort,
    path: `/t/${tenant.slug}/api/arsys/v1.0/entry/${FORM}`,
    method: "POST",
    headers: tenantHeaders(tenant),
    body: JSON.stringify({ values: { name: `widget ${n}`, n, tenant: tenant.slug } }),
  });
  const ackAt = now();
  if (res.status !== 201) return { ok: false, status: res.status, error: res.text.slice(0, 200), sentAt, ackAt };
  return { ok: true, entryId: `${tenant.slug}:${String(res.headers.location ?? "").split("/").pop()}`, sentAt, ackAt, tenant: tenant.slug };
}

// ---------------------------------------------------------------------------------------------------------------
// Phases.

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function latencyFigures(posts, state) {
  const latencies = posts
    .filter((post) => post.ok && state.firstByEntry.has(post.entryId))
    .map((post) => state.firstByEntry.get(post.entryId).at - post.ackAt)
    .sort((a, b) => a - b);
  return {
    p50_ms: round(percentile(latencies, 50), 1),
    p90_ms: round(percentile(latencies, 90), 1),
    p99_ms: round(percentile(latencies, 99), 1),
    max_ms: round(latencies[latencies.length - 1] ?? null, 1),
    mean_ms: round(latencies.length ? latencies.reduce((a, b) => a + b, 0) / latencies.length : null, 1),
  };
}

/** The queue consumer's batches that finished between two times (see startServer). */
function queueBatches(server, from, to) {
  const batches = server.queueBatches.filter((batch) => batch.at >= from && batch.at <= to);
  const busy = batches.reduce((total, batch) => total + batch.ms, 0);
  return {
    batches: batches.length,
    messages: batches.reduce((total, batch) => total + batch.size, 0),
    mean_size: batches.length ? round(batches.reduce((total, batch) => total + batch.size, 0) / batches.length, 1) : null,
    invocation_ms_sum: busy,
    mean_batch_ms: batches.length ? round(busy / batches.length, 1) : null,
    longest_batch_ms: batches.length ? Math.max(...batches.map((batch) => batch.ms)) : null,
  };
}

/** Posts one entry; a post that fails outright (no HTTP answer) is recorded as not accepted, never thrown. */
const tryPostEntry = (gatewayPort, tenant, n) =>
  postEntry(gatewayPort, tenant, n).catch((error) => ({ ok: false, status: 0, error: String(error), sentAt: now(), ackAt: now() }));

/** Posts `count` entries (numbered from `firstN`) round-robin over `active`, `concurrency` at a time, in order. */
async function postEntries(gateway, active, count, firstN) {
  const posts = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) posts[index] = await tryPostEntry(gateway.port, active[index % active.length], firstN + index);
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, count) }, worker));
  return posts;
}

/** Load phase: N entries round-robin over the first K tenants, `concurrency` at a time; then waits for all. */
async function loadPhase(gateway, tenants, k, state) {
  const active = tenants.slice(0, k);
  const violationsBefore = state.violations.length;
  const duplicatesBefore = state.duplicates;
  const cpuBefore = cpuSample();
  const started = now();
  const posts = await postEntries(gateway, active, settings.events, 0);
  const ingestDone = now();
  const accepted = posts.filter((post) => post.ok);
  const wait = await waitForEntries(state, accepted.map((post) => post.entryId), settings.phaseTimeoutSeconds * 1000);
  const receipts = accepted.filter((post) => state.firstByEntry.has(post.entryId)).map((post) => state.firstByEntry.get(post.entryId).at);
  const lastReceipt = receipts.length ? Math.max(...receipts) : null;
  const firstReceipt = receipts.length ? Math.min(...receipts) : null;
  const cpuAfter = cpuSample();
  const cpu = cpuBetween(cpuBefore, cpuAfter);
  const windowS = lastReceipt !== null ? (lastReceipt - started) / 1000 : null;
  const failures = posts.filter((post) => !post.ok);
  await sleep(300); // the last batches' log lines
  const queue = queueBatches(gateway, started, now());
  // Backlog drain: callbacks that arrived after the last inbound 201, when the isolate served delivery alone.
  const afterIngest = receipts.filter((at) => at > ingestDone).length;
  return {
    tenants: k,
    streams: k,
    events: settings.events,
    accepted: accepted.length,
    rejected: failures.length,
    first_rejections: failures.slice(0, 3).map((post) => `${post.status} ${post.error}`),
    delivered: receipts.length,
    missing: wait.missing,
    timed_out: wait.timedOut,
    ingest_per_second: round(accepted.length / ((ingestDone - started) / 1000), 1),
    delivered_per_second: windowS ? round(receipts.length / windowS, 1) : null,
    delivered_per_second_per_stream: windowS ? round(receipts.length / windowS / k, 1) : null,
    delivery_window_per_second: lastReceipt !== null && lastReceipt > firstReceipt ? round(receipts.length / ((lastReceipt - firstReceipt) / 1000), 1) : null,
    ingest_s: round((ingestDone - started) / 1000),
    total_s: windowS !== null ? round(windowS) : null,
    drain_after_ingest_s: lastReceipt !== null ? round((lastReceipt - ingestDone) / 1000) : null,
    first_callback_after_s: firstReceipt !== null ? round((firstReceipt - started) / 1000) : null,
    latency: latencyFigures(posts, state),
    ordering_violations: state.violations.length - violationsBefore,
    duplicates: state.duplicates - duplicatesBefore,
    gateway_cpu_ms_per_event: cpu && receipts.length ? round(cpu.servers_ms.gateway / receipts.length) : null,
    gateway_cpu_cores: cpu ? round(cpu.servers_ms.gateway / (cpu.seconds * 1000)) : null,
    other_processes_cores: cpu?.other_processes_cores ?? null,
    delivered_after_ingest: afterIngest,
    backlog_drain_per_second: lastReceipt !== null && lastReceipt > ingestDone && afterIngest > 1 ? round(afterIngest / ((lastReceipt - ingestDone) / 1000), 1) : null,
    queue,
    // Sum of consumer invocation times over the window: above 1 means invocations overlapped (miniflare starts a
    // full batch while another is still running; the overlapping pumps join the tenant object's single drain).
    consumer_invocation_ms_per_wall_ms: queue && windowS ? round(queue.invocation_ms_sum / (windowS * 1000)) : null,
  };
}

/** The open deliveries of a tenant's streams (GET /api/v1/streams): pending and in flight. */
async function openDeliveries(gateway, tenant) {
  const res = await send({ port: gateway.port, path: `/t/${tenant.slug}/api/v1/streams`, headers: tenantHeaders(tenant) }).catch((error) => {
    throw new Error(`streams of ${tenant.slug}: ${error.message}`);
  });
  if (res.status !== 200) throw new Error(`streams of ${tenant.slug}: ${res.status} ${res.text.slice(0, 200)}`);
  return JSON.parse(res.text).items.reduce((total, stream) => total + stream.pending, 0);
}

/**
 * Backlog phase: the delivery engine alone. The receiver holds each tenant's first callback unanswered while
 * N entries are posted, so each stream's whole backlog is fanned out behind its head; once every tenant's
 * streams show all of them open, the held callbacks are answered and the time to the last callback is the
 * engine's: no ingest, fan-out or queue work runs beside it.
 */
async function backlogPhase(gateway, tenants, k, state) {
  const active = tenants.slice(0, k);
  const events = settings.backlogEvents;
  for (const tenant of active) state.holdSlugs.add(tenant.slug);
  state.held = [];
  const posts = await postEntries(gateway, active, events, 2_000_000);
  const accepted = posts.filter((post) => post.ok);
  const perTenant = new Map(active.map((tenant) => [tenant.slug, accepted.filter((post) => post.tenant === tenant.slug).length]));
  const holdDeadline = now() + HOLD_LIMIT_MS;
  for (;;) {
    const open = await Promise.all(active.map((tenant) => openDeliveries(gateway, tenant)));
    if (state.held.length === k && active.every((tenant, index) => open[index] >= perTenant.get(tenant.slug))) break;
    if (now() > holdDeadline) throw new Error(`backlog phase: the backlog was not fanned out within ${HOLD_LIMIT_MS / 1000} s (held ${state.held.length} of ${k})`);
    await sleep(50);
  }
  const heldIds = new Set(state.held.map((held) => held.slug));
  const stopProfile = PROFILE_FILE ? await startCpuProfile(gateway.inspectorPort) : null;
  const released = now();
  for (const held of state.held) held.res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  state.held = [];
  const wait = await waitForEntries(state, accepted.map((post) => post.entryId), settings.phaseTimeoutSeconds * 1000);
  if (stopProfile) await stopProfile(`${PROFILE_FILE}.k${k}.cpuprofile`);
  const after = accepted.map((post) => state.firstByEntry.get(post.entryId)?.at).filter((at) => at !== undefined && at >= released);
  const last = after.length ? Math.max(...after) : null;
  const perSecond = last !== null && last > released ? after.length / ((last - released) / 1000) : null;
  return {
    tenants: k,
    events,
    accepted: accepted.length,
    held_heads: heldIds.size,
    delivered_after_release: after.length,
    missing: wait.missing,
    drain_s: last !== null ? round((last - released) / 1000, 3) : null,
    delivered_per_second: round(perSecond, 1),
    per_stream_per_second: round(perSecond !== null ? perSecond / k : null, 1),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Open-streams phase: the engine's cost per send against the number of open streams.

const streamTenantHeaders = (tenant) => ({ authorization: tenant.apiKey, "content-type": "application/json" });

/** One request of the open-streams phase on its tenant's API; a request that gets no HTTP answer is status 0. */
const streamRequest = (gatewayPort, tenant, method, path, body) =>
  send({ port: gatewayPort, path: `/t/${tenant.slug}${path}`, method, headers: streamTenantHeaders(tenant), body: body === undefined ? undefined : JSON.stringify(body) }).catch(
    (error) => ({ status: 0, headers: {}, text: String(error) }),
  );

/** The phase's own tenant (its own delivery object, so the other phases' rows are not in its store). */
async function createStreamTenant(gatewayPort, vars) {
  const admin = { authorization: `Bearer ${vars.ADMIN_TOKEN}`, "content-type": "application/json" };
  const created = await send({ port: gatewayPort, path: "/admin/v1/tenants", method: "POST", headers: admin, body: JSON.stringify({ slug: STREAM_TENANT, name: "Bench open streams" }) });
  if (created.status !== 201) throw new Error(`create tenant ${STREAM_TENANT}: ${created.status} ${created.text.slice(0, 300)}`);
  const key = await send({ port: gatewayPort, path: `/admin/v1/tenants/${STREAM_TENANT}/api-keys`, method: "POST", headers: admin, body: JSON.stringify({ name: "bench" }) });
  if (key.status !== 201) throw new Error(`create api key for ${STREAM_TENANT}: ${key.status} ${key.text.slice(0, 300)}`);
  return { slug: STREAM_TENANT, id: JSON.parse(created.text).id, apiKey: JSON.parse(key.text).key };
}

/** A webhook's open deliveries (pending and in flight) summed over its streams, and how many of its streams have any. */
async function openDeliveriesOf(gateway, tenant, subscriptionId) {
  const res = await streamRequest(gateway.port, tenant, "GET", "/api/v1/streams");
  if (res.status !== 200) throw new Error(`streams of ${tenant.slug}: ${res.status} ${res.text.slice(0, 200)}`);
  const mine = JSON.parse(res.text).items.filter((stream) => stream.subscriptionId === subscriptionId);
  return { open: mine.reduce((total, stream) => total + stream.pending, 0), streams: mine.filter((stream) => stream.pending > 0).length };
}

/**
 * Sends `count` requests made by `request(index)`, `concurrency` at a time, in index order; none is started past
 * `deadline`. Resolves with { ok, status, error, location } per request.
 */
async function postStreamRequests(gateway, tenant, count, request, deadline) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      if (now() > deadline) {
        results[index] = { ok: false, status: 0, error: "case timeout before it was sent" };
        continue;
      }
      const { method, path, body, expect } = request(index);
      const res = await streamRequest(gateway.port, tenant, method, path, body);
      results[index] = res.status === expect ? { ok: true, location: String(res.headers.location ?? "") } : { ok: false, status: res.status, error: res.text.slice(0, 200) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, count) }, worker));
  return results;
}

/**
 * One case: D = BENCH_DELIVERY_STREAM_SENDS deliveries over `streams` open streams, held by the engine, then
 * released at once. A fresh AR webhook (ordering `record`: one stream per entry) points at the receiver, which
 * answers its first callback (a warm entry's) 410 Gone: the engine disables the webhook (disabledReason) and from
 * then on fans out and records its deliveries without sending them. The case posts `streams` new entries and
 * D - streams updates of them round-robin, waits until GET /api/v1/streams shows all D open, then saves the
 * webhook again with the same body (PUT), which clears the reason and wakes the engine: the time from that PUT
 * to the last callback is the drain. The webhook is deleted at the end, so the next case's entries are not its.
 */
async function openStreamsCase(gateway, tenant, receiverPort, streams, index, state) {
  const sends = settings.streamSends;
  const deadline = now() + settings.streamCaseTimeoutSeconds * 1000;
  const base = "/api/arsys/v1.0";
  const path = `/streams/c${index}-s${streams}`;
  const run = newStreamCase(path);
  state.streamCase = run;
  const webhookBody = {
    description: `bench open streams, case ${index}: ${streams} streams`,
    form_name: STREAM_FORM,
    entry_events: ["create", "update"],
    callback: { url: `http://${HOST}:${receiverPort}${path}`, authentication: { type: "NO_AUTH" } },
    ordering: "record",
  };
  const registered = await streamRequest(gateway.port, tenant, "POST", `${base}/webhook`, webhookBody);
  if (registered.status !== 201) throw new Error(`register the open-streams webhook: ${registered.status} ${registered.text.slice(0, 300)}`);
  const webhookId = String(registered.headers.location ?? "").split("/").pop();
  const result = { streams, sends, webhook_id: webhookId };
  try {
    // The warm entry: its callback is answered 410, and the webhook is disabled before any counted entry is posted.
    const warm = await streamRequest(gateway.port, tenant, "POST", `${base}/entry/${STREAM_FORM}`, { values: { name: "warm", n: -1 } });
    if (warm.status !== 201) throw new Error(`warm entry: ${warm.status} ${warm.text.slice(0, 200)}`);
    const disableDeadline = Math.min(deadline, now() + 60_000);
    for (;;) {
      if (run.goneAt.length > 0) {
        const view = await streamRequest(gateway.port, tenant, "GET", `${base}/webhook/${webhookId}`);
        if (view.status === 200 && JSON.parse(view.text).disabled_reason) break;
      }
      if (now() > disableDeadline) throw new Error(`the webhook was not disabled after its 410 (410 answered: ${run.goneAt.length})`);
      await sleep(50);
    }

    // Ingest: `streams` new entries (one stream each), then the rest as updates of them, round-robin.
    const ingestStarted = now();
    const creates = await postStreamRequests(gateway, tenant, streams, (n) => ({ method: "POST", path: `${base}/entry/${STREAM_FORM}`, body: { values: { name: `stream ${n}`, n } }, expect: 201 }), deadline);
    const entryIds = creates.filter((post) => post.ok).map((post) => post.location.split("/").pop());
    if (entryIds.length === 0) throw new Error(`no entry created (${creates.find((post) => !post.ok)?.status} ${creates.find((post) => !post.ok)?.error})`);
    const updates = await postStreamRequests(
      gateway,
      tenant,
      sends - streams,
      (n) => ({ method: "PUT", path: `${base}/entry/${STREAM_FORM}/${encodeURIComponent(entryIds[n % entryIds.length])}`, body: { values: { n: streams + n } }, expect: 204 }),
      deadline,
    );
    const ingestDone = now();
    const failures = [...creates, ...updates].filter((post) => !post.ok);
    const accepted = sends - failures.length;
    Object.assign(result, {
      accepted,
      rejected: failures.length,
      first_rejections: failures.slice(0, 3).map((post) => `${post.status} ${post.error}`),
      ingest_s: round((ingestDone - ingestStarted) / 1000),
      ingest_per_second: round(accepted / ((ingestDone - ingestStarted) / 1000), 1),
    });

    // The hold: every accepted delivery fanned out and open (a leak would show as a callback before the release).
    let held = { open: 0, streams: 0 };
    for (;;) {
      held = await openDeliveriesOf(gateway, tenant, webhookId);
      if (held.open + run.early >= accepted) break;
      if (now() > deadline) throw new Error(`hold: ${held.open} of ${accepted} deliveries open at the case timeout (${run.early} sent before the release)`);
      await sleep(500);
    }
    Object.assign(result, { held_open_deliveries: held.open, held_open_streams: held.streams, fan_out_after_ingest_s: round((now() - ingestDone) / 1000) });

    // The release: the receiver already answers 200; saving the webhook clears the 410 disable and wakes the engine.
    const cpuBefore = cpuSample();
    run.releasedAt = now();
    const put = await streamRequest(gateway.port, tenant, "PUT", `${base}/webhook/${webhookId}`, webhookBody);
    if (put.status !== 204) throw new Error(`release (PUT webhook): ${put.status} ${put.text.slice(0, 200)}`);
    const wait = await waitForStreamCallbacks(run, accepted, deadline);
    const cpu = cpuBetween(cpuBefore, cpuSample());
    const delivered = run.firstByMsg.size - run.early;
    const drainMs = run.lastAt !== null && run.firstAt !== null ? run.lastAt - run.releasedAt : null;
    Object.assign(result, {
      delivered,
      missing: wait.missing,
      timed_out: wait.timedOut,
      sent_before_release: run.early,
      release_to_first_callback_s: run.firstAt !== null ? round((run.firstAt - run.releasedAt) / 1000, 3) : null,
      drain_s: drainMs !== null ? round(drainMs / 1000, 3) : null,
      sends_per_second: drainMs ? round(delivered / (drainMs / 1000), 1) : null,
      ms_per_send: drainMs && delivered ? round(drainMs / delivered, 3) : null,
      gateway_cpu_ms_per_send: cpu && delivered ? round(cpu.servers_ms.gateway / delivered, 3) : null,
      gateway_cpu_cores: cpu ? round(cpu.servers_ms.gateway / (cpu.seconds * 1000)) : null,
      other_processes_cores: cpu?.other_processes_cores ?? null,
    });
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    Object.assign(result, {
      violations: run.violations.length,
      first_violations: run.violations.slice(0, 5),
      duplicates: run.duplicates,
      unmatched: run.unmatched,
      answered_410: run.goneAt.length,
      streams_seen: run.lastSeqByStream.size,
    });
    result.missing ??= result.accepted !== undefined ? Math.max(0, result.accepted - run.firstByMsg.size) : null;
    const removed = await streamRequest(gateway.port, tenant, "DELETE", `${base}/webhook/${webhookId}`);
    if (removed.status !== 204) result.delete_error = `${removed.status} ${removed.text.slice(0, 200)}`;
    state.streamCase = null;
  }
  return result;
}

/**
 * The open-streams phase: one case per BENCH_DELIVERY_STREAM_COUNTS value, in order, each only after the one
 * before delivered everything (a case that did not is the last one run).
 */
async function openStreamsPhase(gateway, vars, receiverPort, state) {
  const tenant = await createStreamTenant(gateway.port, vars);
  const cases = [];
  for (const [index, streams] of settings.streamCounts.entries()) {
    console.log(`Open streams: ${settings.streamSends} deliveries over ${streams} stream(s) (ordering 'record'), held, then released...`);
    const result = await openStreamsCase(gateway, tenant, receiverPort, streams, index + 1, state);
    cases.push(result);
    if (result.error) console.log(`  failed: ${result.error}`);
    else
      console.log(
        `  ingest ${result.accepted}/${result.sends} in ${result.ingest_s} s (${result.ingest_per_second}/s); held ${result.held_open_deliveries} open over ${result.held_open_streams} streams; ` +
          `drain ${result.delivered} in ${result.drain_s} s: ${result.sends_per_second}/s, ${result.ms_per_send} ms/send, gateway CPU ${result.gateway_cpu_ms_per_send} ms/send; ` +
          `${result.violations} violations, ${result.duplicates} duplicates, ${result.missing} missing`,
      );
    if (result.error || result.missing > 0 || result.timed_out) break;
  }
  const byStreams = (count) => cases.find((result) => result.streams === count && !result.error && result.missing === 0)?.ms_per_send ?? null;
  const measured = cases.filter((result) => !result.error && result.ms_per_send !== null);
  const fewest = measured.length ? measured.reduce((a, b) => (b.streams < a.streams ? b : a)) : null;
  const most = measured.length ? measured.reduce((a, b) => (b.streams > a.streams ? b : a)) : null;
  const few = byStreams(STREAM_TARGET.fewStreams);
  const many = byStreams(STREAM_TARGET.manyStreams);
  const ratio = few && many ? round(many / few, 3) : null;
  const clean = cases.every((result) => !result.error && result.violations === 0 && result.duplicates === 0 && result.missing === 0 && result.sent_before_release === 0);
  return {
    tenant: tenant.slug,
    tenant_id: tenant.id,
    form: STREAM_FORM,
    sends_per_case: settings.streamSends,
    stream_counts: settings.streamCounts,
    cases,
    ratio_10k_vs_100: ratio,
    ratio_most_vs_fewest_streams:
      fewest && most && most !== fewest ? { streams: [fewest.streams, most.streams], ratio: round(most.ms_per_send / fewest.ms_per_send, 3) } : null,
    target_max: STREAM_TARGET.ratioMax,
    met: ratio === null ? null : clean && ratio <= STREAM_TARGET.ratioMax,
    stray_callbacks: state.streamStray,
  };
}

/** Paced phase: a fixed arrival rate well below capacity (open loop), so latency is measured without a backlog. */
async function pacedPhase(gateway, tenants, k, state) {
  const active = tenants.slice(0, k);
  const interval = 1000 / settings.pacedRate;
  const started = now();
  const pending = [];
  for (let index = 0; index < settings.pacedEvents; index++) {
    const due = started + index * interval;
    const delay = due - now();
    if (delay > 0) await sleep(delay);
    pending.push(tryPostEntry(gateway.port, active[index % k], 1_000_000 + index));
  }
  const posts = await Promise.all(pending);
  const accepted = posts.filter((post) => post.ok);
  const wait = await waitForEntries(state, accepted.map((post) => post.entryId), settings.phaseTimeoutSeconds * 1000);
  const inbound = posts.map((post) => post.ackAt - post.sentAt).sort((a, b) => a - b);
  return {
    tenants: k,
    events: settings.pacedEvents,
    rate_per_second: settings.pacedRate,
    accepted: accepted.length,
    delivered: accepted.filter((post) => state.firstByEntry.has(post.entryId)).length,
    missing: wait.missing,
    latency: latencyFigures(posts, state),
    inbound_p50_ms: round(percentile(inbound, 50), 1),
    inbound_p99_ms: round(percentile(inbound, 99), 1),
  };
}

/** The reference ceiling: `streams` concurrent serial loops of `count` fetches each, timed here and in the Worker. */
async function referenceRun(reference, receiverPort, streams, count, state) {
  const before = state.reference;
  const cpuBefore = cpuSample();
  const started = now();
  const results = await Promise.all(
    Array.from({ length: streams }, (_, index) =>
      send({
        port: reference.port,
        path: "/",
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: `http://${HOST}:${receiverPort}/ref/${index}`, count, stream: `ref${index}` }),
        timeout: settings.phaseTimeoutSeconds * 1000,
      }).then((res) => {
        if (res.status !== 200) throw new Error(`reference: ${res.status} ${res.text.slice(0, 300)}`);
        return JSON.parse(res.text);
      }),
    ),
  );
  const elapsedS = (now() - started) / 1000;
  const cpu = cpuBetween(cpuBefore, cpuSample());
  const ok = results.reduce((total, result) => total + result.ok, 0);
  const received = state.reference - before;
  return {
    streams,
    events: streams * count,
    ok,
    failed: results.reduce((total, result) => total + result.failed, 0),
    received,
    elapsed_s: round(elapsedS, 3),
    events_per_second: round(ok / elapsedS, 1),
    events_per_second_per_stream: round(ok / elapsedS / streams, 1),
    worker_elapsed_ms: results.map((result) => result.elapsed_ms),
    mean_ms_per_event: round((elapsedS * 1000 * streams) / Math.max(1, ok), 3),
    reference_cpu_ms_per_event: cpu && ok ? round(cpu.servers_ms.reference / ok, 3) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------

function printTable(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]))).join("  "));
}

/** The gateway's config: wrangler.toml as committed, or a copy with only the queue's max_batch_timeout changed. */
function gatewayConfig() {
  if (settings.queueBatchTimeout === null) return { config: "wrangler.toml", extraArgs: [] };
  const source = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const changed = source.replace(/^max_batch_timeout\s*=\s*\d+\s*$/m, `max_batch_timeout = ${settings.queueBatchTimeout}`);
  if (changed === source && !new RegExp(`^max_batch_timeout\\s*=\\s*${settings.queueBatchTimeout}\\s*$`, "m").test(source)) {
    throw new Error("BENCH_DELIVERY_QUEUE_TIMEOUT: no 'max_batch_timeout = N' line found in wrangler.toml");
  }
  const dir = join(STATE, "gateway-config");
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "wrangler.toml");
  // Relative paths in the copy (main, migrations_dir) must still point into the repository.
  writeFileSync(config, changed.replace(/^main\s*=\s*"([^"]+)"/m, (_, main) => `main = "${relative(dir, join(ROOT, main))}"`).replace(/^migrations_dir\s*=\s*"([^"]+)"/m, (_, migrations) => `migrations_dir = "${relative(dir, join(ROOT, migrations))}"`));
  // .dev.vars is read next to the config: point wrangler at the repository's one instead.
  return { config: relative(ROOT, config), extraArgs: ["--env-file", join(ROOT, ".dev.vars")] };
}

async function main() {
  const loadBefore = round(loadavg()[0]);
  const vars = loadDevVars(ROOT);
  if (!vars.ADMIN_TOKEN && (maxTenants > 1 || settings.streamSends > 0)) throw new Error(".dev.vars must set ADMIN_TOKEN to create bench tenants");
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  const gatewayState = join(STATE, "gateway", "persist");
  const referenceState = join(STATE, "reference", "persist");
  const referenceConfig = join("bench", "delivery-reference", "wrangler.toml");

  const { server, state } = createReceiver();
  receiver = server;
  const receiverPort = await new Promise((done) => server.listen(0, HOST, () => done(server.address().port)));
  server.keepAliveTimeout = 30_000;

  console.log("Preparing fresh local state (migrations, demo tenant 'acme')...");
  applyMigrations(["--persist-to", gatewayState]);
  seedDemoTenant(vars, ["--persist-to", gatewayState]);
  const { config, extraArgs } = gatewayConfig();
  const gatewayEntry = bundle("gateway", "wrangler.toml");
  const referenceEntry = bundle("reference", referenceConfig);
  console.log(`Starting gateway${settings.queueBatchTimeout === null ? "" : ` (queue max_batch_timeout = ${settings.queueBatchTimeout} s, bench-only copy of wrangler.toml)`} and reference (wrangler dev)...`);
  const gateway = await startServer({ name: "gateway", config, entry: gatewayEntry, persistDir: gatewayState, probePath: "/healthz", extraArgs: [...extraArgs, ...gatewayLogArgs()] });
  const reference = await startServer({ name: "reference", config: referenceConfig, entry: referenceEntry, persistDir: referenceState, probePath: "/" });
  console.log(`Receiver on ${HOST}:${receiverPort}, gateway on :${gateway.port} (${gateway.startupMs} ms), reference on :${reference.port} (${reference.startupMs} ms).`);

  console.log(`Creating ${maxTenants} tenant(s) with one AR webhook each...`);
  const tenants = await createTenants(gateway.port, vars, receiverPort);

  // Warm-up: one entry per tenant, delivered end to end (also proves the entry_id match works).
  const warm = await Promise.all(tenants.map((tenant, index) => postEntry(gateway.port, tenant, -1 - index)));
  const bad = warm.find((post) => !post.ok);
  if (bad) throw new Error(`warm-up entry rejected: ${bad.status} ${bad.error}`);
  const warmWait = await waitForEntries(state, warm.map((post) => post.entryId), 60_000);
  if (warmWait.timedOut) throw new Error(`warm-up: ${warmWait.missing} of ${warm.length} callbacks never arrived (gateway log: ${relative(ROOT, gateway.logFile)})\n${logTail(gateway)}`);
  await referenceRun(reference, receiverPort, 1, 50, state);

  const referenceSerial = [];
  console.log(`Reference: ${settings.referenceEvents} serial fetches...`);
  referenceSerial.push(await referenceRun(reference, receiverPort, 1, settings.referenceEvents, state));

  const load = [];
  const paced = [];
  const backlog = [];
  const referenceParallel = [];
  for (const k of settings.tenants) {
    console.log(`K=${k}: posting ${settings.events} entries over ${k} tenant(s), ${settings.concurrency} connections...`);
    const run = await loadPhase(gateway, tenants, k, state);
    load.push(run);
    console.log(
      `  ${run.delivered}/${run.accepted} delivered, ${run.delivered_per_second} events/s (ingest ${run.ingest_per_second}/s), p50 ${run.latency.p50_ms} ms, p99 ${run.latency.p99_ms} ms, ${run.ordering_violations} violations, ${run.duplicates} duplicates`,
    );
    if (run.queue) {
      console.log(
        `  backlog drain after the last 201: ${run.delivered_after_ingest} events at ${run.backlog_drain_per_second ?? "n/a"}/s; queue consumer: ${run.queue.batches} batches (mean ${run.queue.mean_size} nudges, ${run.queue.mean_batch_ms} ms, longest ${run.queue.longest_batch_ms} ms); gateway CPU ${run.gateway_cpu_cores} cores, ${run.gateway_cpu_ms_per_event} ms/event (ingest + delivery); other processes ${run.other_processes_cores} cores`,
      );
    }
    if (settings.pacedEvents > 0) {
      const slow = await pacedPhase(gateway, tenants, k, state);
      paced.push(slow);
      console.log(`  paced ${settings.pacedRate}/s: ${slow.delivered}/${slow.accepted} delivered, p50 ${slow.latency.p50_ms} ms, p99 ${slow.latency.p99_ms} ms (inbound 201 p50 ${slow.inbound_p50_ms} ms)`);
    }
    if (settings.backlogEvents > 0) {
      const engine = await backlogPhase(gateway, tenants, k, state);
      backlog.push(engine);
      console.log(`  backlog (engine alone): ${engine.delivered_after_release} callbacks in ${engine.drain_s} s after the held heads were answered: ${engine.delivered_per_second}/s, ${engine.per_stream_per_second}/s per stream`);
    }
    if (k > 1) {
      const perStream = Math.max(20, Math.round(settings.referenceEvents / k));
      referenceParallel.push(await referenceRun(reference, receiverPort, k, perStream, state));
    }
  }
  console.log(`Reference: ${settings.referenceEvents} serial fetches again...`);
  referenceSerial.push(await referenceRun(reference, receiverPort, 1, settings.referenceEvents, state));

  // Last, so that the phases above run exactly as without it.
  const openStreams = settings.streamSends > 0 ? await openStreamsPhase(gateway, vars, receiverPort, state) : null;

  const ceiling = round(referenceSerial.reduce((total, run) => total + run.events_per_second, 0) / referenceSerial.length, 1);
  const parallelByK = new Map(referenceParallel.map((run) => [run.streams, run]));
  const figures = load.map((run, index) => {
    const parallel = parallelByK.get(run.tenants);
    return {
      tenants: run.tenants,
      delivered_per_second: run.delivered_per_second,
      per_stream_per_second: run.delivered_per_second_per_stream,
      backlog_drain_per_second: run.backlog_drain_per_second,
      backlog_drain_per_stream_ratio_vs_serial_ceiling: run.backlog_drain_per_second !== null ? round(run.backlog_drain_per_second / run.tenants / ceiling, 3) : null,
      engine_per_second: backlog[index]?.delivered_per_second ?? null,
      engine_per_stream_per_second: backlog[index]?.per_stream_per_second ?? null,
      engine_per_stream_ratio_vs_serial_ceiling: backlog[index]?.per_stream_per_second != null ? round(backlog[index].per_stream_per_second / ceiling, 3) : null,
      load_p50_ms: run.latency.p50_ms,
      load_p99_ms: run.latency.p99_ms,
      paced_p50_ms: paced[index]?.latency.p50_ms ?? null,
      paced_p99_ms: paced[index]?.latency.p99_ms ?? null,
      ordering_violations: run.ordering_violations,
      duplicates: run.duplicates,
      missing: run.missing,
      ratio_vs_serial_ceiling: run.delivered_per_second !== null ? round(run.delivered_per_second / ceiling, 3) : null,
      per_stream_ratio_vs_serial_ceiling: run.delivered_per_second_per_stream !== null ? round(run.delivered_per_second_per_stream / ceiling, 3) : null,
      reference_parallel_per_second: parallel ? parallel.events_per_second : ceiling,
      ratio_vs_reference_same_streams: run.delivered_per_second !== null ? round(run.delivered_per_second / (parallel ? parallel.events_per_second : ceiling), 3) : null,
    };
  });

  console.log("");
  printTable([
    ["K", "events/s", "per stream", "ingest/s", "drain/s", "engine/s", "engine/stream", "x ref (engine/stream)", "load p50", "load p99", "paced p50", "paced p99", "violations", "dupes", "missing", "x serial ref", "x ref K streams"],
    ...figures.map((f, index) => [
      f.tenants,
      f.delivered_per_second ?? "n/a",
      f.per_stream_per_second ?? "n/a",
      load[index].ingest_per_second,
      f.backlog_drain_per_second ?? "n/a",
      f.engine_per_second ?? "n/a",
      f.engine_per_stream_per_second ?? "n/a",
      f.engine_per_stream_ratio_vs_serial_ceiling ?? "n/a",
      f.load_p50_ms ?? "n/a",
      f.load_p99_ms ?? "n/a",
      f.paced_p50_ms ?? "n/a",
      f.paced_p99_ms ?? "n/a",
      f.ordering_violations,
      f.duplicates,
      f.missing,
      f.ratio_vs_serial_ceiling ?? "n/a",
      f.ratio_vs_reference_same_streams ?? "n/a",
    ]),
  ]);
  console.log("");
  console.log(`reference serial ceiling (one stream): ${ceiling} events/s (${referenceSerial.map((run) => run.events_per_second).join(", ")})`);
  for (const run of referenceParallel) console.log(`reference ${run.streams} parallel streams: ${run.events_per_second} events/s`);
  console.log("events/s = first receipts / (last receipt - start of posting); drain/s = callbacks after the last inbound 201 / time to the last callback");
  console.log("engine/s = the backlog phase: callbacks after the held heads were answered / time to the last one (no ingest beside it)");
  console.log("latencies in ms, inbound 201 -> first callback; 'load' = N posted as fast as the connections allow, 'paced' = open loop at BENCH_DELIVERY_PACED_RATE");

  const warnings = [];
  const violations = figures.reduce((total, f) => total + f.ordering_violations, 0);
  if (violations > 0) warnings.push(`${violations} ordering violations: ${JSON.stringify(state.violations.slice(0, 5))}`);
  for (const run of backlog) {
    if (run.missing > 0) warnings.push(`K=${run.tenants} backlog: ${run.missing} callbacks missing after ${settings.phaseTimeoutSeconds} s`);
    if (run.accepted < run.events) warnings.push(`K=${run.tenants} backlog: ${run.events - run.accepted} entries rejected`);
  }
  for (const run of load) {
    if (run.rejected > 0) warnings.push(`K=${run.tenants}: ${run.rejected} entries rejected (${run.first_rejections.join("; ")})`);
    if (run.missing > 0) warnings.push(`K=${run.tenants}: ${run.missing} callbacks missing after ${settings.phaseTimeoutSeconds} s (gateway log: ${relative(ROOT, gateway.logFile)})`);
  }
  if (state.unmatched > 0) warnings.push(`${state.unmatched} callbacks without a parsable webhook-id or entry_id`);
  for (const run of openStreams?.cases ?? []) {
    const label = `open streams S=${run.streams}`;
    if (run.error) warnings.push(`${label}: ${run.error}`);
    if (run.rejected > 0) warnings.push(`${label}: ${run.rejected} entries rejected (${run.first_rejections.join("; ")})`);
    if (run.missing > 0) warnings.push(`${label}: ${run.missing} callbacks missing`);
    if (run.violations > 0) warnings.push(`${label}: ${run.violations} ordering violations: ${JSON.stringify(run.first_violations)}`);
    if (run.duplicates > 0) warnings.push(`${label}: ${run.duplicates} duplicate callbacks`);
    if (run.unmatched > 0) warnings.push(`${label}: ${run.unmatched} callbacks without a parsable webhook-id or entry_id`);
    if (run.sent_before_release > 0) warnings.push(`${label}: ${run.sent_before_release} callbacks arrived before the release (the hold leaked)`);
    if (run.delete_error) warnings.push(`${label}: deleting its webhook failed: ${run.delete_error}`);
    if ((run.other_processes_cores ?? 0) > 0.25) warnings.push(`${label}: other processes used ${run.other_processes_cores} cores during the drain: the figures are noisy`);
  }
  if (openStreams?.stray_callbacks > 0) warnings.push(`open streams: ${openStreams.stray_callbacks} callbacks arrived for no case under way`);
  const busiest = Math.max(...load.map((run) => run.other_processes_cores ?? 0));
  if (busiest > 0.25) warnings.push(`other processes used up to ${busiest} cores during the load phases: the figures are noisy`);
  for (const warning of warnings) console.log(`WARNING ${warning}`);

  const onePerStream = figures.find((f) => f.tenants === 1);
  const pacedP50 = paced.length ? Math.max(...paced.map((run) => run.latency.p50_ms ?? Infinity)) : null;
  // The throughput target is the engine's (one stream, the backlog phase). End to end, delivery can go no
  // faster than entries are accepted, and ingest persists each entry in D1 before its 201: that figure is
  // reported beside it, never hidden, but it measures ingest.
  const engineRatio = onePerStream?.engine_per_stream_ratio_vs_serial_ceiling ?? null;
  const target = {
    per_stream_ratio_min: TARGET.perStreamRatioMin,
    p50_ms_max: TARGET.p50MsMax,
    one_stream_engine_ratio: engineRatio,
    one_stream_end_to_end_ratio: onePerStream?.per_stream_ratio_vs_serial_ceiling ?? null,
    one_stream_ingest_per_second: load.find((run) => run.tenants === 1)?.ingest_per_second ?? null,
    worst_paced_p50_ms: pacedP50,
    met: violations === 0 && (engineRatio ?? 0) >= TARGET.perStreamRatioMin && pacedP50 !== null && pacedP50 < TARGET.p50MsMax,
  };
  console.log(
    `target (engine >= ${TARGET.perStreamRatioMin}x serial ceiling on one stream, paced p50 < ${TARGET.p50MsMax} ms, 0 violations): ${target.met ? "met" : "NOT met"}` +
      ` (engine ${engineRatio ?? "n/a"}x; end to end ${target.one_stream_end_to_end_ratio ?? "n/a"}x, bounded by ingest at ${target.one_stream_ingest_per_second ?? "n/a"}/s)`,
  );

  if (openStreams) {
    console.log("");
    printTable([
      ["streams", "sends", "ingest/s", "drain_s", "sends/s", "ms/send", "gateway CPU ms/send", "violations", "dupes", "missing"],
      ...openStreams.cases.map((run) => [
        run.streams,
        run.delivered ?? run.accepted ?? "n/a",
        run.ingest_per_second ?? "n/a",
        run.drain_s ?? "n/a",
        run.sends_per_second ?? "n/a",
        run.ms_per_send ?? "n/a",
        run.gateway_cpu_ms_per_send ?? "n/a",
        run.violations,
        run.duplicates,
        run.missing ?? "n/a",
      ]),
    ]);
    console.log("");
    console.log("open streams: D deliveries (ordering 'record') held by the engine after a 410, released by saving the webhook; drain_s = that PUT -> last callback; ms/send = drain_s / D");
    const spread = openStreams.ratio_most_vs_fewest_streams;
    console.log(
      `open streams target (ms/send at ${STREAM_TARGET.manyStreams} streams <= ${STREAM_TARGET.ratioMax}x at ${STREAM_TARGET.fewStreams}, 0 violations, none missing): ` +
        (openStreams.met === null ? "not measured" : openStreams.met ? "met" : "NOT met") +
        ` (ratio_10k_vs_100 ${openStreams.ratio_10k_vs_100 ?? "n/a"}x` +
        (spread ? `; ${spread.streams[1]} vs ${spread.streams[0]} streams ${spread.ratio}x` : "") +
        ")",
    );
  }

  // The gateway's own attempt log: how long each callback fetch took as the delivery object saw it.
  await stopServers();
  let attempts = null;
  let streamAttempts = null;
  try {
    // The open-streams tenant's attempts are counted apart, so the figure of the phases above means what it did.
    const streamTenantId = openStreams && /^[A-Za-z0-9_-]+$/.test(openStreams.tenant_id ?? "") ? openStreams.tenant_id : null;
    const columns = "count(*) AS n, avg(duration_ms) AS mean_ms, max(duration_ms) AS max_ms, sum(status_code BETWEEN 200 AND 299) AS ok FROM delivery_attempts";
    const command = streamTenantId
      ? `SELECT ${columns} WHERE tenant_id <> '${streamTenantId}'; SELECT ${columns} WHERE tenant_id = '${streamTenantId}'`
      : `SELECT ${columns}`;
    // The attempt log is data plane: each tenant's rows are on its shard, so every shard is read and the rows summed.
    const perShard = databaseBindings()
      .filter((binding, _index, all) => binding !== "DB" || all.length === 1)
      .map((binding) => JSON.parse(wrangler(["d1", "execute", binding, "--local", "--persist-to", gatewayState, "--json", "--command", command])));
    const combine = (index) => {
      const rows = perShard.map((results) => results[index]?.results?.[0]).filter((row) => row && row.n > 0);
      if (rows.length === 0) return null;
      const n = rows.reduce((sum, row) => sum + row.n, 0);
      return { n, ok: rows.reduce((sum, row) => sum + row.ok, 0), mean_ms: rows.reduce((sum, row) => sum + row.mean_ms * row.n, 0) / n, max_ms: Math.max(...rows.map((row) => row.max_ms)) };
    };
    const toFigures = (row) => (row ? { logged: row.n, ok: row.ok, mean_fetch_ms: round(row.mean_ms, 2), max_fetch_ms: row.max_ms } : null);
    attempts = toFigures(combine(0));
    if (streamTenantId) streamAttempts = toFigures(combine(1));
  } catch (error) {
    attempts = { error: String(error).slice(0, 200) };
  }
  if (attempts && !attempts.error) console.log(`gateway attempt log: ${attempts.logged} attempts, ${attempts.ok} 2xx, mean fetch ${attempts.mean_fetch_ms} ms, max ${attempts.max_fetch_ms} ms`);
  if (streamAttempts) console.log(`gateway attempt log, open streams: ${streamAttempts.logged} attempts, ${streamAttempts.ok} 2xx, mean fetch ${streamAttempts.mean_fetch_ms} ms, max ${streamAttempts.max_fetch_ms} ms`);
  if (openStreams) openStreams.gateway_attempt_log = streamAttempts;

  const report = {
    date: new Date().toISOString(),
    command: "npm run bench:delivery",
    ...gitState(ROOT),
    settings: {
      events_per_k: settings.events,
      tenants: settings.tenants,
      inbound_connections: settings.concurrency,
      paced_events: settings.pacedEvents,
      paced_rate_per_second: settings.pacedRate,
      backlog_events_per_k: settings.backlogEvents,
      reference_events: settings.referenceEvents,
      phase_timeout_s: settings.phaseTimeoutSeconds,
      queue_max_batch_timeout_s: settings.queueBatchTimeout ?? "as in wrangler.toml",
      open_streams_sends_per_case: settings.streamSends,
      open_streams_counts: settings.streamCounts,
      open_streams_case_timeout_s: settings.streamCaseTimeoutSeconds,
      gateway_log_level: settings.gatewayLogLevel,
      streams: "one AR webhook per tenant (ordering 'subscription'): K streams",
      runtime: `wrangler ${wranglerVersion(ROOT)} dev (local workerd); each Worker bundled once, served with --no-bundle`,
      definitions: {
        delivered_per_second: "first receipts / (last first receipt - start of posting); includes ingest",
        latency: "receiver's first receipt - the 201 of the inbound POST, per entry_id, same clock",
        ordering_violation: "a first receipt whose seq (webhook-id msg_<seq>_<webhook>) is <= an earlier first receipt's seq for the same webhook",
        backlog_drain_per_second: "callbacks received after the last inbound 201 / (last callback - last 201): delivery with no ingest competing",
        engine_per_second: "backlog phase: the receiver holds each stream's first callback while N entries are posted and fanned out behind it; callbacks after it answers / (last callback - answer): the delivery engine alone",
        reference_ceiling: "mean events/s of the reference Worker's single serial loop (run before and after the gateway phases)",
        open_streams:
          "per case S: one AR webhook (ordering 'record', one stream per entry) in tenant bench-streams; its first callback is answered 410 Gone, so the engine disables it and holds (fans out, records, does not send) what follows; S new entries and D - S updates of them round-robin are posted; once GET /api/v1/streams shows all D open, the webhook is saved again (PUT, same body), which clears the disable and wakes the engine",
        open_streams_drain_s: "the PUT that releases the held deliveries -> the last first receipt of the D callbacks (includes the queue nudge that wakes the engine, see release_to_first_callback_s)",
        open_streams_ms_per_send: "drain_s * 1000 / callbacks delivered after the release (D when none is missing)",
        open_streams_gateway_cpu_ms_per_send: "CPU of the gateway's process tree (wrangler + workerd) over the drain / callbacks delivered",
        open_streams_ordering_violation: "a first receipt (per webhook-id) whose seq is <= an earlier first receipt's seq on the same stream (webhook, entry_id)",
        open_streams_ratio_10k_vs_100: "ms_per_send at 10000 streams / ms_per_send at 100 streams (null unless both ran with nothing missing); target <= target_max",
      },
    },
    machine: machineInfo(loadBefore),
    startup_ms: { gateway: gateway.startupMs, reference: reference.startupMs },
    figures,
    reference: { serial_ceiling_per_second: ceiling, serial: referenceSerial, parallel: referenceParallel },
    load,
    paced,
    backlog,
    open_streams: openStreams,
    gateway_attempt_log: attempts,
    receiver: { receipts: state.receipts, duplicates: state.duplicates, unmatched: state.unmatched, violations: state.violations.slice(0, 20) },
    target,
    warnings,
  };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`Wrote ${relative(ROOT, RESULTS)}`);
  if (violations > 0) process.exitCode = 1;
}

const watchdogMs =
  3 * STARTUP_TIMEOUT_MS +
  settings.tenants.length * 2 * (settings.phaseTimeoutSeconds * 1000 + 60_000) +
  settings.tenants.length * (settings.pacedEvents / settings.pacedRate) * 1000 +
  (settings.tenants.length + 3) * settings.phaseTimeoutSeconds * 1000 +
  // The open-streams phase: each case bounded by its own timeout, plus its webhook's setup and deletion.
  (settings.streamSends > 0 ? settings.streamCounts.length * (settings.streamCaseTimeoutSeconds * 1000 + 60_000) : 0);
await runBench({
  name: "bench:delivery",
  watchdogMs,
  main,
  stopServers,
  cleanup: () => agent.destroy(),
});
