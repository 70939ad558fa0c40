/**
 * One seeded schedule of a tenant's life, run against the real engine: events committed through
 * records/commitChange, subscriptions created / changed / disabled / re-enabled / deleted and lifecycle hooks
 * configured (tenant-config.ts), receivers changing behaviour, crashes, D1 failures, lost and repeated nudges and alarms, wake-ups aimed at a finishing drain,
 * operator replays and skips, clock jumps, and the cron sweeper every minute. Then faults stop, receivers
 * answer 2xx, operators clear blocked streams, and the run goes on until nothing is left to deliver.
 */
import type { Bindings } from "../src/runtime/env";
import { database } from "../src/db/client";
import { LIFECYCLE_SUBSCRIPTION_ID } from "../src/lifecycle/post-hooks";
import { commitChange, type ChangeIntent } from "../src/records/commit-change";
import { laggingTenants } from "../src/delivery/sweeper";
import { SUSPENDED_RECHECK_MS } from "../src/delivery/drain";
import { ACTIVE_CACHE_MS } from "../src/delivery/control-plane";
import { d1Database, migratedDatabase, type D1Fault } from "./d1";
import { Receivers } from "./receiver";
import { TenantObject } from "./tenant-object";
import { FORMS, TenantConfig } from "./tenant-config";
import { finalCheck, STRANDED_AFTER_MS, strandedNow, streamHeads, type FinalCheck } from "./invariants";
import { Rng, World } from "./world";

const TENANT = "tnt_sim";
const START = Date.UTC(2026, 0, 1);
const SWEEP_EVERY_MS = 60_000;
/** Quiescence gives up after this much virtual time (the default retry schedule spans about 28 hours). */
const QUIESCENCE_LIMIT_MS = 5 * 24 * 3_600_000;
/** A schedule whose object crashed more often than this is in a crash loop: what is still open counts as lost. */
const MAX_CRASHES = 300;
/** How long after a suspension a send may still start: the engine trusts an "active" read for ACTIVE_CACHE_MS, and that read takes a D1 round trip. */
const SUSPENSION_GRACE_MS = ACTIVE_CACHE_MS + 1_000;

export interface ScheduleResult extends FinalCheck {
  seed: number;
  stranded: string[];
  /** Sends that started while the tenant was suspended, past the grace its status cache allows. */
  sentWhileSuspended: string[];
  events: number;
  sends: number;
  crashes: number;
}

/** Fault rates of one schedule, drawn from its seed. */
interface Faults {
  d1: number;
  d1Lost: number;
  nudgeLoss: number;
  nudgeDuplicate: number;
  alarmDuplicate: number;
  joinFinishingDrain: number;
  crashOnWrite: number;
  throwInSend: number;
}

function drawFaults(rng: Rng): Faults {
  const level = rng.next();
  const scale = level < 0.2 ? 0 : level < 0.6 ? 0.5 : 1;
  return {
    d1: scale * rng.pick([0, 0.02, 0.1, 0.25]),
    d1Lost: rng.pick([0, 0.3, 0.6]),
    nudgeLoss: scale * rng.pick([0, 0.3, 0.7]),
    nudgeDuplicate: rng.pick([0, 0.2, 0.5]),
    alarmDuplicate: rng.pick([0, 0.1, 0.4]),
    joinFinishingDrain: rng.pick([0, 0.3, 0.8]),
    crashOnWrite: scale * rng.pick([0, 0.01, 0.04]),
    throwInSend: scale * rng.pick([0, 0.03, 0.1]),
  };
}

/** Swaps the globals real code below the engine may use (Date.now, setTimeout, Math.random, console) for the world's. */
function virtualizeGlobals(world: World, rng: Rng, trace: (line: string) => void): () => void {
  const saved = { now: Date.now, setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, random: Math.random, log: console.log, warn: console.warn, error: console.error };
  Date.now = () => world.now;
  const fakeSetTimeout = (callback: () => void, delayMs?: number) => {
    const timer = { cleared: false };
    world.at(delayMs ?? 0, () => timer.cleared || callback());
    return timer;
  };
  globalThis.setTimeout = fakeSetTimeout as unknown as typeof setTimeout;
  globalThis.clearTimeout = ((timer: { cleared: boolean } | undefined) => {
    if (timer) timer.cleared = true;
  }) as unknown as typeof clearTimeout;
  Math.random = () => rng.next();
  console.log = console.warn = console.error = (line: unknown) => trace(`console: ${String(line)}`);
  return () => {
    Date.now = saved.now;
    globalThis.setTimeout = saved.setTimeout;
    globalThis.clearTimeout = saved.clearTimeout;
    Math.random = saved.random;
    console.log = saved.log;
    console.warn = saved.warn;
    console.error = saved.error;
  };
}

export async function runSchedule(seed: number, root: string, print: ((line: string) => void) | null): Promise<ScheduleResult> {
  const rng = new Rng(seed);
  const world = new World(START);
  const streams = { latency: new Rng(seed * 7 + 1), engine: new Rng(seed * 7 + 2), globals: new Rng(seed * 7 + 3), receivers: new Rng(seed * 7 + 4), faults: new Rng(seed * 7 + 5) };
  const trace = (line: string) => print?.(`${((world.now - START) / 1000).toFixed(3).padStart(10)}s  ${line}`);
  const restore = virtualizeGlobals(world, streams.globals, trace);
  try {
    return await run(seed, root, rng, world, streams, trace);
  } finally {
    restore();
  }
}

async function run(
  seed: number,
  root: string,
  rng: Rng,
  world: World,
  streams: Record<"latency" | "engine" | "globals" | "receivers" | "faults", Rng>,
  trace: (line: string) => void,
): Promise<ScheduleResult> {
  const faults = drawFaults(rng);
  trace(`faults ${JSON.stringify(faults)}`);
  let faultsOn = true;
  const d1 = migratedDatabase(root);
  d1.prepare("INSERT INTO tenants (id, slug, name, status, created_at, updated_at) VALUES (?, 'sim', 'Sim', 'active', ?, ?)").run(TENANT, START, START);
  const d1Faults = {
    decide(kind: "read" | "write", sql: string): D1Fault {
      if (!faultsOn || !streams.faults.chance(faults.d1)) return "none";
      const fault: D1Fault = kind === "write" && streams.faults.chance(faults.d1Lost) ? "lost" : "fail";
      trace(`D1 ${kind} fault (${fault}): ${sql.slice(0, 60)}`);
      return fault;
    },
  };
  const noFaults = { decide: (): D1Fault => "none" };
  const workerDb = database(d1Database(d1, { world, rng: streams.latency, faults: d1Faults, owner: null }));
  const adminDb = database(d1Database(d1, { world, rng: streams.latency, faults: noFaults, owner: null }));
  const receivers = new Receivers(streams.receivers);
  receivers.throwRate = faults.throwInSend;
  const object: TenantObject = new TenantObject({
    world,
    rng: streams.latency,
    engineRng: streams.engine,
    d1,
    faults: d1Faults,
    receivers,
    alarmDuplicateRate: () => (faultsOn ? faults.alarmDuplicate : 0),
    onWrite(sql) {
      if (!faultsOn) return;
      // A wake-up arriving while a drain writes its attempt log, i.e. while it is finishing (issue 15, bug 1).
      if (/insert into "delivery_attempts"/.test(sql) && rng.chance(faults.joinFinishingDrain)) {
        world.at(rng.int(0, 20), () => void (rng.chance(0.5) ? pump("wake-up joining a finishing drain") : refresh()));
      }
      if (rng.chance(faults.crashOnWrite)) world.at(rng.int(0, 25), () => object.crash("crash after a D1 write"));
    },
    beforeCrash() {
      const delivered = new Set(object.storage.read<{ id: string }>("SELECT id FROM deliveries WHERE status = 'delivered'").map((row) => row.id));
      receivers.forgetLost((id) => delivered.has(id));
    },
    trace,
  });

  const pump = (reason: string): Promise<unknown> =>
    object.call(`pump (${reason})`, (engine) => engine.pump(TENANT)).catch((error: unknown) => trace(`pump failed: ${String(error)}`));
  const refresh = (): Promise<unknown> =>
    object.call("refresh (operator read)", (engine) => engine.refresh(TENANT)).catch((error: unknown) => trace(`refresh failed: ${String(error)}`));
  /** The tenant's suspensions, in order; the last one is still on while its `to` is null. */
  const suspensions: { from: number; to: number | null }[] = [];
  const suspended = (): boolean => suspensions.at(-1)?.to === null;
  /** The admin route: suspend, or reactivate and nudge (a reactivated tenant's held deliveries go now). */
  const setSuspended = (on: boolean): void => {
    d1.prepare("UPDATE tenants SET status = ?, updated_at = ? WHERE id = ?").run(on ? "suspended" : "active", world.now, TENANT);
    if (on) suspensions.push({ from: world.now, to: null });
    else suspensions.at(-1)!.to = world.now;
    trace(on ? "tenant suspended" : "tenant reactivated");
    if (!on) nudge("tenant reactivated");
  };
  /** A queue nudge: may be lost or repeated; a failed pump is retried by the queue. */
  const nudge = (reason: string): void => {
    if (faultsOn && rng.chance(faults.nudgeLoss)) {
      trace(`nudge lost (${reason})`);
      return;
    }
    const copies = faultsOn && rng.chance(faults.nudgeDuplicate) ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      const deliver = (tries: number): void => {
        // The queue consumer acks a suspended tenant's nudge without a wake-up.
        if (suspended()) return trace(`nudge dropped: tenant suspended (${reason})`);
        object
          .call(`pump (queue: ${reason})`, (engine) => engine.pump(TENANT))
          .catch((error: unknown) => {
            trace(`queued pump failed: ${String(error)}`);
            if (tries < 3) world.at(rng.int(1_000, 5_000), () => deliver(tries + 1));
          });
      };
      world.at(rng.int(5, 500), () => deliver(1));
    }
  };

  // ---- the schedule's model of the tenant's configuration and records ----
  const config = new TenantConfig({ tenantId: TENANT, adminDb, rng, world, receivers, object, nudge, trace });
  const records = new Map<string, string[]>(FORMS.map((form) => [form, []]));
  const operatorSkipped = new Set<string>();
  let counter = 0;

  const commit = async (): Promise<void> => {
    const form = rng.pick(FORMS);
    const ids = records.get(form)!;
    const roll = rng.next();
    counter++;
    const intent: ChangeIntent =
      ids.length > 0 && roll < 0.55
        ? { kind: "update", id: rng.pick(ids), patch: { n: counter } }
        : ids.length > 0 && roll < 0.6
          ? { kind: "delete", id: ids.splice(rng.int(0, ids.length - 1), 1)[0]! }
          : { kind: "create", data: { n: counter } };
    try {
      const change = await commitChange({ db: workerDb, wakeDelivery: () => nudge("commit") }, { tenantId: TENANT, form, source: "sim", intent });
      if (intent.kind === "create") ids.push(change.record.id);
      trace(`committed ${intent.kind} ${form} ${change.record.id} -> event ${change.event?.seq ?? "none"}`);
    } catch (error) {
      trace(`commit ${intent.kind} ${form} failed: ${String(error)}`);
    }
  };

  const operator = async (): Promise<void> => {
    const rows = object.storage.read<{ id: string; status: string; blocking: number; subscription_id: string; event_seq: number }>(
      "SELECT id, status, blocking, subscription_id, event_seq FROM deliveries ORDER BY position",
    );
    if (rows.length === 0) return;
    const roll = rng.next();
    if (roll < 0.45) {
      const row = rng.pick(rows);
      const view = await object.call(`replay ${row.id}`, (engine) => engine.replayDelivery(row.id));
      trace(`operator replayed ${row.id} as ${typeof view === "string" ? view : view?.id}`);
    } else if (roll < 0.85) {
      const open = rows.filter((row) => row.status === "pending" || row.blocking === 1);
      if (open.length === 0) return;
      const row = rng.pick(open);
      const view = await object.call(`skip ${row.id}`, (engine) => engine.skipDelivery(row.id));
      if (view?.status === "skipped") operatorSkipped.add(row.id);
      trace(`operator skipped ${row.id}: ${view?.status}`);
    } else {
      const row = rng.pick(rows);
      const count = await object.call(`bulk replay ${row.subscription_id}`, (engine) => engine.replaySubscription(row.subscription_id, { seq: row.event_seq }));
      trace(`operator bulk-replayed ${count} deliveries of ${row.subscription_id} from seq ${row.event_seq}`);
    }
  };

  const step = async (): Promise<void> => {
    const roll = rng.next();
    const live = config.live();
    if (roll < 0.47 || live.length === 0) {
      if (live.length === 0 || rng.chance(0.05)) await config.createSubscription();
      else await commit();
    } else if (roll < 0.5) {
      await config.configureLifecycle();
    } else if (roll < 0.56) {
      await config.createSubscription();
    } else if (roll < 0.62) {
      await config.toggleEnabled();
    } else if (roll < 0.64) {
      await config.deleteSubscription();
    } else if (roll < 0.67) {
      await config.changeOrdering();
    } else if (roll < 0.73) {
      config.changeReceiver();
    } else if (roll < 0.77) {
      object.crash("scheduled");
    } else if (roll < 0.82) {
      void pump("stray nudge");
    } else if (roll < 0.86) {
      void refresh();
    } else if (roll < 0.915) {
      await operator();
    } else if (roll < 0.93) {
      setSuspended(!suspended());
    } else if (roll < 0.96) {
      const ms = rng.pick([1_000, 30_000, 120_000, 3_600_000]);
      world.jump(ms);
      trace(`clock jumps ${ms} ms`);
    } else {
      faults.d1 = rng.pick([0, 0.05, 0.3, 0.6]);
      trace(`D1 failure rate now ${faults.d1}`);
    }
  };

  const newestSeq = () => (d1.prepare("SELECT MAX(seq) AS seq FROM events WHERE tenant_id = ?").get(TENANT) as { seq: number | null }).seq ?? 0;
  const stranded = new Map<string, string>();
  /** What the check depends on besides the clock (time passing can only end a violation): unchanged, skip it. */
  let checkedState = "";
  const checkStranded = (): void => {
    if (!object.idle()) return;
    const state = `${object.storage.changes()}|${(d1.prepare("SELECT total_changes() AS n").get() as { n: number }).n}|${object.alarmAt}|${[...(object.engineSawEnabled ?? [])].join(",")}`;
    if (state === checkedState) return;
    checkedState = state;
    // While suspended, and for one recheck period after (if the reactivation's nudge was lost), the object's
    // wake-up may be its suspended recheck.
    const last = suspensions.at(-1);
    const relaxed = last !== undefined && (last.to === null || world.now < last.to + SUSPENDED_RECHECK_MS);
    for (const item of strandedNow(object, d1, world.now, relaxed ? SUSPENDED_RECHECK_MS + STRANDED_AFTER_MS : STRANDED_AFTER_MS)) {
      if (!stranded.has(item.id)) {
        stranded.set(item.id, item.detail);
        trace(`STRANDED ${item.id}: ${item.detail}`);
      }
    }
  };

  // Poison: one delivery whose receiver crashes the object every time it is called (a crash loop).
  if (rng.chance(0.2)) receivers.poison.add(`msg_${rng.int(1, 6)}_${rng.pick(["WBH000000000001", LIFECYCLE_SUBSCRIPTION_ID])}`);
  /** What laggingTenants() looks for, read directly: a tick that would find nothing is not run (saves its queries). */
  const sweepWouldFindWork = (): boolean => {
    const row = d1.prepare("SELECT seq, next_due_at AS due FROM delivery_cursors WHERE tenant_id = ?").get(TENANT) as { seq: number; due: number | null } | undefined;
    return !row || row.seq < newestSeq() || (row.due !== null && row.due < world.now - 60_000);
  };
  const sweeper = (): void => {
    world.at(SWEEP_EVERY_MS, sweeper);
    if (!sweepWouldFindWork()) return;
    laggingTenants({ DB: workerDbBinding } as unknown as Bindings, world.now)
      .then((tenants) => {
        trace(`sweeper: ${tenants.length ? `nudges ${tenants.join(", ")}` : "nothing to nudge"}`);
        for (const tenant of tenants) if (tenant === TENANT) nudge("sweeper");
      })
      .catch((error: unknown) => trace(`sweeper failed: ${String(error)}`));
  };
  const workerDbBinding = d1Database(d1, { world, rng: streams.latency, faults: d1Faults, owner: null });
  world.at(SWEEP_EVERY_MS, sweeper);

  // ---- the active phase: a driver takes one random step after another ----
  const steps = rng.int(20, 70);
  let taken = 0;
  const drive = (): void => {
    if (taken++ >= steps) return;
    // Not awaited: a step waiting on an instance that crashes never finishes, and the schedule goes on.
    step().catch((error: unknown) => trace(`step failed: ${String(error)}`));
    world.at(rng.int(0, 3_000), drive);
  };
  world.at(0, drive);
  while (taken <= steps) {
    await world.step();
    checkStranded();
  }

  // ---- quiescence ----
  faultsOn = false;
  receivers.throwRate = 0;
  receivers.healthy = true;
  trace("QUIESCENCE: faults stop, receivers answer 2xx");
  if (suspended()) setSuspended(false);
  for (const model of config.live()) {
    let saved = false;
    void config.setEnabled(model, true).finally(() => (saved = true));
    while (!saved) await world.step();
  }
  const quiesceStart = world.now;
  const cursor = () => object.storage.read<{ value: number }>("SELECT value FROM cursor WHERE id = 1")[0]?.value ?? 0;
  /** When the operator last asked to skip each blocked head (a request to an instance that crashes never answers). */
  const skipRequested = new Map<string, number>();
  for (;;) {
    await world.step();
    checkStranded();
    if (world.now - quiesceStart > QUIESCENCE_LIMIT_MS) {
      trace("QUIESCENCE LIMIT reached");
      break;
    }
    if (object.crashes > MAX_CRASHES) {
      trace(`CRASH LOOP: more than ${MAX_CRASHES} crashes`);
      break;
    }
    if (!object.idle()) continue;
    const open = object.storage.read<{ n: number }>("SELECT COUNT(*) AS n FROM deliveries WHERE status IN ('pending', 'inflight') OR blocking = 1")[0]!.n;
    if (open === 0 && cursor() >= newestSeq()) break;
    // An operator clears every blocked stream (a dead letter under the `block` policy waits for one).
    for (const head of streamHeads(object).filter((row) => row.blocking === 1)) {
      if (world.now - (skipRequested.get(head.id) ?? -Infinity) < 10_000) continue;
      skipRequested.set(head.id, world.now);
      object
        .call(`skip ${head.id}`, (engine) => engine.skipDelivery(head.id))
        .then((view) => {
          if (view?.status === "skipped") operatorSkipped.add(head.id);
          trace(`operator skipped blocked head ${head.id}: ${view?.status}`);
        })
        .catch((error: unknown) => trace(`operator skip failed: ${String(error)}`));
    }
  }
  const result = finalCheck(object, d1, TENANT, config.subscriptions, config.lifecycle, operatorSkipped, receivers);
  // A suspended tenant sends nothing: a send may start only within the grace after its suspension.
  const sentWhileSuspended = receivers.receipts
    .filter((receipt) => suspensions.some((span) => receipt.at >= span.from + SUSPENSION_GRACE_MS && receipt.at < (span.to ?? Infinity)))
    .map((receipt) => `${receipt.deliveryId} at ${receipt.at}`);
  return {
    seed,
    ...result,
    stranded: [...stranded].map(([id, detail]) => `${id} (${detail})`),
    sentWhileSuspended,
    events: newestSeq(),
    sends: receivers.receipts.length,
    crashes: object.crashes,
  };
}
