// `npm run bench:scale`: what history costs. Three phases against the gateway under `wrangler dev` (the cron is run
// through its /cdn-cgi/local/scheduled trigger; loopback only; each phase on fresh local state; every wrangler
// process stopped on every exit path):
//
//   sweep  T tenants (spread over the shards by placement), each with H events of history written straight into its
//          shard and its delivery cursor current (nothing to deliver). The cron is triggered S times
//          (the local trigger) and the gateway's own `sweep_done` log line gives each sweep's wall time. Run with
//          H = SMALL and H = LARGE: sweep_cost_ratio = median(LARGE) / median(SMALL), the reference measured in
//          the same run (target <= 1.5: the sweep walks indexes, one seek per tenant, never the history).
//   bytes  One tenant with an AR webhook on Ticket to a local receiver: N changes, a third of them tickets created
//          through the helpdesk webhook (Idempotency-Key), the rest updates of them through the AR entry API, every
//          callback delivered. Then, with the gateway stopped, SQLite's dbstat on
//          the shard: bytes_per_event_steady = bytes of the history tables and their indexes (events, inbound
//          log, delivery attempts, idempotency keys, vendor event ids) per event: what a shard holds per event once
//          retention keeps up (records are current state, reported apart); and the delivery object's bytes per
//          delivery.
//   prune  The same state, every history row and closed delivery moved 60 days into the past; the cron is
//          triggered until a pass deletes nothing. prune_rows_per_second = rows deleted / the passes' wall
//          time (the gateway's `retention_pruned` line).
//
// Settings (env): BENCH_SCALE_TENANTS T (default 4), BENCH_SCALE_SMALL (default 1000), BENCH_SCALE_LARGE (default
// 100000), BENCH_SCALE_SWEEPS S (default 15), BENCH_SCALE_ENTRIES N (default 1500), BENCH_SCALE_OUT (default
// bench/results/scale-latest.json). Writes the results file and prints a summary.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { delimiter, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { loadDevVars } from "../scripts/dev-vars.mjs";
import { applyMigrations, databaseBindings } from "../scripts/seed.mjs";
import { HOST, createServerPool, gitState, intSetting, machineInfo, round, runBench, send, sleep, wranglerVersion } from "./local-servers.mjs";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const STATE = join(ROOT, "bench", ".state-scale");
const OUT = process.env.BENCH_SCALE_OUT ?? join(ROOT, "bench", "results", "scale-latest.json");
const DAY_MS = 86_400_000;
const TICKET_PATH = "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/createticket";
const TARGET = { sweepCostRatioMax: 1.5 };
/** The data-plane tables that are history (pruned by retention); records and sequences are current state. */
const HISTORY_TABLES = ["events", "inbound_requests", "delivery_attempts", "idempotency_keys", "inbound_event_ids"];

const settings = {
  tenants: intSetting("BENCH_SCALE_TENANTS", 4, 1, 50),
  small: intSetting("BENCH_SCALE_SMALL", 1000, 10, 1_000_000),
  large: intSetting("BENCH_SCALE_LARGE", 100_000, 10, 5_000_000),
  sweeps: intSetting("BENCH_SCALE_SWEEPS", 15, 3, 200),
  entries: intSetting("BENCH_SCALE_ENTRIES", 1500, 30, 100_000),
};

process.env.PATH = `${join(ROOT, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`;
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";

const vars = loadDevVars(ROOT);
let pool = null;
const stopAll = () => (pool ? pool.stopServers() : Promise.resolve());
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : sorted[Math.floor(sorted.length / 2)];
};

/** A gateway on fresh or existing state; collects its JSON log lines by message. */
let entry = null;
async function startGateway(phase, persistDir) {
  mkdirSync(join(STATE, phase), { recursive: true });
  pool = createServerPool({ root: ROOT, stateDir: join(STATE, phase) });
  // Bundled once: every phase serves the same build.
  entry ??= pool.bundle("gateway", "wrangler.toml");
  const lines = [];
  const server = await pool.startServer({
    name: "gateway",
    config: "wrangler.toml",
    entry,
    persistDir,
    probePath: "/healthz",
    extraArgs: ["--var", "LOG_LEVEL:info"],
    onStdoutLine: (line) => {
      const start = line.indexOf("{");
      if (start < 0) return;
      try {
        lines.push(JSON.parse(line.slice(start)));
      } catch {
        // not a log line of ours
      }
    },
  });
  return { port: server.port, lines, stop: () => pool.stopServers() };
}

const adminCall = (port, path, body) =>
  send({ port, path, method: body ? "POST" : "GET", headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}`, "content-type": "application/json" }, body: body && JSON.stringify(body) });

async function createTenant(port, slug) {
  const created = await adminCall(port, "/admin/v1/tenants", { slug, name: slug });
  if (created.status !== 201) throw new Error(`tenant ${slug}: ${created.status} ${created.text}`);
  const tenant = JSON.parse(created.text);
  const key = await adminCall(port, `/admin/v1/tenants/${slug}/api-keys`, { name: "bench" });
  if (key.status !== 201) throw new Error(`key for ${slug}: ${key.status} ${key.text}`);
  return { ...tenant, key: JSON.parse(key.text).key };
}

const wrangler = (args) => pool.wrangler(args);
const execute = (binding, persistDir, command) => wrangler(["d1", "execute", binding, "--local", "--persist-to", persistDir, "--command", command]);

/** Triggers the cron once and waits for the log line `message` it ends with; returns that line. */
async function cronPass(gateway, message) {
  const before = gateway.lines.filter((line) => line.message === message).length;
  const response = await send({ port: gateway.port, path: "/cdn-cgi/local/scheduled?cron=*+*+*+*+*" });
  if (response.status !== 200) throw new Error(`/cdn-cgi/local/scheduled answered ${response.status}`);
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(20)) {
    const seen = gateway.lines.filter((line) => line.message === message);
    if (seen.length > before) return seen[seen.length - 1];
  }
  throw new Error(`no ${message} line within 60 s of a cron pass`);
}

/** The sweep phase for one history size: the sweeps' wall times (ms). */
async function sweepCase(history) {
  const persistDir = join(STATE, `sweep-${history}`, "persist");
  applyMigrations(["--persist-to", persistDir]);
  let gateway = await startGateway(`sweep-${history}`, persistDir);
  const tenants = [];
  for (let index = 0; index < settings.tenants; index++) tenants.push(await createTenant(gateway.port, `scale-${history}-${index}`));
  await gateway.stop();
  const now = Date.now();
  console.log(`  writing ${history} events for each of ${tenants.length} tenants (shards ${tenants.map((tenant) => tenant.shard).join(", ")})...`);
  for (const tenant of tenants) {
    const shard = `SHARD_${tenant.shard}`;
    // A realistic event row (~700 bytes of data), written straight into the shard, with the cursor current.
    execute(
      shard,
      persistDir,
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${history})
       INSERT INTO events (seq, tenant_id, form, record_id, type, changed_fields, data, version, source, created_at)
       SELECT i, '${tenant.id}', 'Widget', printf('%015d', (i + 2) / 3), CASE WHEN i % 3 = 1 THEN 'create' ELSE 'update' END, '["status","note"]',
              json_object('status', 'open', 'note', printf('%.600c', 'x'), 'n', i), (i + 2) % 3 + 1, 'bench', ${now} FROM n;
       INSERT INTO sequences (tenant_id, name, value) VALUES ('${tenant.id}', 'event', ${history});
       INSERT INTO delivery_cursors (tenant_id, seq, next_due_at, updated_at) VALUES ('${tenant.id}', ${history}, NULL, ${now});`,
    );
  }
  gateway = await startGateway(`sweep-${history}`, persistDir);
  const durations = [];
  // The first pass warms the isolate and the database files; it is not counted.
  await cronPass(gateway, "sweep_done");
  for (let pass = 0; pass < settings.sweeps; pass++) {
    const line = await cronPass(gateway, "sweep_done");
    if (line.tenants !== 0) throw new Error(`the sweep nudged ${line.tenants} tenants: cursors are current, it should nudge none`);
    durations.push(line.durationMs);
  }
  await gateway.stop();
  return durations;
}

/** The SQLite files of one kind of local state (D1 databases or Durable Objects). */
const sqliteFiles = (persistDir, kind) => {
  const dir = join(persistDir, "v3", kind === "d1" ? "d1" : "do");
  const found = [];
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".sqlite") && entry.name !== "metadata.sqlite") found.push(full);
    }
  };
  walk(dir);
  return found;
};

/** Bytes per table (its rows and its indexes) of one SQLite file, from dbstat. */
function bytesPerTable(file) {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const owners = new Map(db.prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").all().map((row) => [row.name, row.tbl_name]));
    const bytes = {};
    for (const row of db.prepare("SELECT name, SUM(pgsize) AS size FROM dbstat GROUP BY name").all()) {
      const table = owners.get(row.name) ?? row.name;
      bytes[table] = (bytes[table] ?? 0) + row.size;
    }
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all();
    const rows = Object.fromEntries(tables.map(({ name }) => [name, db.prepare(`SELECT COUNT(*) AS n FROM "${name}"`).get().n]));
    return { bytes, count: (table) => rows[table] ?? 0 };
  } finally {
    db.close();
  }
}

/** The bytes phase: N entries delivered, then dbstat on the tenant's shard and on its delivery object. */
async function bytesPhase() {
  const persistDir = join(STATE, "bytes", "persist");
  applyMigrations(["--persist-to", persistDir]);
  let received = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.end("ok");
    });
  });
  await new Promise((done) => receiver.listen(0, HOST, done));
  const gateway = await startGateway("bytes", persistDir);
  try {
    const tenant = await createTenant(gateway.port, "scale-bytes");
    const headers = { host: `${tenant.slug}.localhost`, authorization: tenant.key, "content-type": "application/json" };
    const webhook = await send({
      port: gateway.port,
      path: "/api/arsys/v1.0/webhook",
      method: "POST",
      headers,
      body: JSON.stringify({ form_name: "Ticket", entry_events: ["create", "update"], condition: "", callback: { url: `http://${HOST}:${receiver.address().port}/hook`, authentication: { type: "NO_AUTH" } }, payload_fields: [] }),
    });
    if (webhook.status !== 201) throw new Error(`webhook: ${webhook.status} ${webhook.text}`);
    // Creates as a vendor sends them (the helpdesk ticket webhook, with an Idempotency-Key: logged, keyed),
    // updates through the AR entry API, as a tenant's tool would.
    const creates = Math.ceil(settings.entries / 3);
    const ids = [];
    const note = "y".repeat(300);
    const post = async (n) => {
      if (n < creates) {
        const body = JSON.stringify({ requester_email: `user-${n}@example.com`, title: `Printer ${n} jams`, description: `${note}${n}`, priority: "high" });
        const response = await send({ port: gateway.port, path: TICKET_PATH, method: "POST", headers: { ...headers, "idempotency-key": `bench-${n}` }, body });
        if (response.status !== 201) throw new Error(`ticket ${n}: ${response.status} ${response.text.slice(0, 200)}`);
        ids[n] = JSON.parse(response.text).id;
        return;
      }
      const body = JSON.stringify({ values: { status: "Assigned", note: `${note}${n}`, owner: `owner-${n % 17}@example.com` } });
      const response = await send({ port: gateway.port, path: `/api/arsys/v1.0/entry/Ticket/${ids[n % creates]}`, method: "PUT", headers, body });
      if (response.status !== 204) throw new Error(`update ${n}: ${response.status} ${response.text.slice(0, 200)}`);
    };
    console.log(`  posting ${creates} tickets and ${settings.entries - creates} updates...`);
    for (let next = 0; next < creates; ) await Promise.all(Array.from({ length: Math.min(8, creates - next) }, () => post(next++)));
    for (let next = creates; next < settings.entries; ) await Promise.all(Array.from({ length: Math.min(8, settings.entries - next) }, () => post(next++)));
    for (const deadline = Date.now() + 180_000; received < settings.entries; await sleep(100)) {
      if (Date.now() > deadline) throw new Error(`only ${received}/${settings.entries} callbacks arrived`);
    }
    await sleep(1_000); // the last attempt-log flush
  } finally {
    await gateway.stop();
    receiver.close();
  }
  const files = sqliteFiles(persistDir, "d1").map((file) => ({ file, ...bytesPerTable(file) }));
  const shards = files.filter((shard) => shard.count("events") > 0);
  if (shards.length !== 1) throw new Error(`expected the tenant's events on one shard, found them in ${shards.length} files`);
  const [shard] = shards;
  // What the same tables take in a database without this tenant (the other shard): the empty pages every
  // table and index starts with, which are not the events' cost.
  const empty = files.find((file) => file.count("events") === 0 && file.count("tenants") === 0);
  const events = shard.count("events");
  const history = Object.fromEntries(HISTORY_TABLES.map((table) => [table, Math.max(0, (shard.bytes[table] ?? 0) - (empty?.bytes[table] ?? 0))]));
  const historyBytes = Object.values(history).reduce((sum, value) => sum + value, 0);
  const objects = sqliteFiles(persistDir, "do").map(bytesPerTable).filter((object) => object.count("deliveries") > 0);
  const deliveries = objects.reduce((sum, object) => sum + object.count("deliveries"), 0);
  const deliveryBytes = objects.reduce((sum, object) => sum + (object.bytes.deliveries ?? 0), 0);
  return {
    persistDir,
    figures: {
      events,
      records: shard.count("records"),
      bytes_per_event_steady: round(historyBytes / events, 0),
      history_bytes_by_table: history,
      records_bytes_per_record: round((shard.bytes.records ?? 0) / Math.max(1, shard.count("records")), 0),
      delivery_object_bytes_per_delivery: deliveries > 0 ? round(deliveryBytes / deliveries, 0) : null,
      note: "dbstat page bytes (rows and indexes, free space inside pages included), less what the same tables take in an empty shard",
    },
  };
}

/** The prune phase: history moved 60 days back, then cron passes until one deletes nothing. */
async function prunePhase(persistDir) {
  const shift = 60 * DAY_MS;
  const shifts = { events: "created_at", inbound_requests: "received_at", delivery_attempts: "started_at", idempotency_keys: "created_at", inbound_event_ids: "created_at" };
  for (const file of sqliteFiles(persistDir, "d1")) {
    const db = new DatabaseSync(file);
    for (const [table, column] of Object.entries(shifts)) {
      if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(table)) db.exec(`UPDATE ${table} SET ${column} = ${column} - ${shift}`);
    }
    db.close();
  }
  for (const file of sqliteFiles(persistDir, "do")) {
    const db = new DatabaseSync(file);
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'deliveries'").get()) db.exec(`UPDATE deliveries SET updated_at = updated_at - ${shift}`);
    db.close();
  }
  const gateway = await startGateway("prune", persistDir);
  const passes = [];
  try {
    for (let pass = 0; pass < 100; pass++) {
      const line = await cronPass(gateway, "retention_pruned");
      const deleted = ["events", "idempotencyKeys", "inboundLog", "eventIds", "attempts", "deliveries"].reduce((sum, kind) => sum + (line[kind] ?? 0), 0);
      passes.push({ deleted, duration_ms: line.durationMs });
      if (deleted === 0) break;
    }
  } finally {
    await gateway.stop();
  }
  const working = passes.filter((pass) => pass.deleted > 0);
  const rows = working.reduce((sum, pass) => sum + pass.deleted, 0);
  const ms = working.reduce((sum, pass) => sum + pass.duration_ms, 0);
  return { rows_deleted: rows, passes: working.length, prune_ms: ms, prune_rows_per_second: ms > 0 ? round((rows / ms) * 1000, 0) : null };
}

async function main() {
  const loadBefore = round(loadavg()[0]);
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  console.log(`bench:scale: ${settings.tenants} tenants over shards ${databaseBindings().filter((name) => name !== "DB").join(", ")}`);

  console.log(`Sweep with ${settings.small} events of history per tenant...`);
  const small = await sweepCase(settings.small);
  console.log(`Sweep with ${settings.large} events of history per tenant...`);
  const large = await sweepCase(settings.large);
  const sweep = {
    small_history_events: settings.small,
    large_history_events: settings.large,
    small_ms: small,
    large_ms: large,
    small_median_ms: median(small),
    large_median_ms: median(large),
    // A sweep of a few ms is at the clock's resolution: 1 ms is the floor of both medians.
    sweep_cost_ratio: round(Math.max(1, median(large)) / Math.max(1, median(small)), 2),
  };
  console.log(`  sweep median ${sweep.small_median_ms} ms at ${settings.small} events, ${sweep.large_median_ms} ms at ${settings.large}: ratio ${sweep.sweep_cost_ratio}x (target <= ${TARGET.sweepCostRatioMax}x)`);

  console.log(`Bytes per event: ${settings.entries} changes (tickets, then AR updates of them), every callback delivered...`);
  const bytes = await bytesPhase();
  console.log(`  ${bytes.figures.bytes_per_event_steady} bytes of history per event (${JSON.stringify(bytes.figures.history_bytes_by_table)}), ${bytes.figures.records_bytes_per_record} per record, ${bytes.figures.delivery_object_bytes_per_delivery} per delivery in the delivery object`);

  console.log("Pruning that history, moved 60 days into the past...");
  const prune = await prunePhase(bytes.persistDir);
  console.log(`  ${prune.rows_deleted} rows in ${prune.passes} passes, ${prune.prune_ms} ms: ${prune.prune_rows_per_second} rows/s`);

  const results = {
    date: new Date().toISOString(),
    command: "npm run bench:scale",
    ...gitState(ROOT),
    settings: { ...settings, runtime: `wrangler ${wranglerVersion(ROOT)} dev (local workerd, cron run through /cdn-cgi/local/scheduled)` },
    machine: machineInfo(loadBefore),
    sweep_cost_ratio: sweep.sweep_cost_ratio,
    bytes_per_event_steady: bytes.figures.bytes_per_event_steady,
    prune_rows_per_second: prune.prune_rows_per_second,
    target: { sweep_cost_ratio_max: TARGET.sweepCostRatioMax, met: sweep.sweep_cost_ratio !== null && sweep.sweep_cost_ratio <= TARGET.sweepCostRatioMax },
    sweep,
    bytes: bytes.figures,
    prune,
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Wrote ${relative(ROOT, OUT)}`);
}

await runBench({ name: "bench:scale", watchdogMs: 30 * 60_000, main, stopServers: stopAll });
