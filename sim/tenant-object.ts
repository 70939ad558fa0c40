/**
 * The Durable Object runtime around one tenant's real TenantEngine: instances started on demand (start()
 * under blockConcurrencyWhile), the one alarm (at least once: a crashed handler is retried, and may fire
 * twice), crashes that drop an instance with its held writes and pending awaits, and which calls are running.
 */
import type { DatabaseSync } from "node:sqlite";
import type { Bindings } from "../src/runtime/env";
import type { Subscription } from "../src/db/schema";
import { ControlPlane } from "../src/delivery/control-plane";
import { TenantEngine } from "../src/delivery/tenant-engine";
import { DeliveryStore } from "../src/delivery/delivery-store";
import { ObjectDatabase } from "./sqlite-storage";
import { d1Database, type D1Faults } from "./d1";
import { Receivers, SimAttempts } from "./receiver";
import type { Rng, World } from "./world";

/** The token every lifecycle configuration opens to: the sim has no KV to seal one in. */
const SIM_LIFECYCLE_TOKEN = "sim-lifecycle-token";

/**
 * The engine's control plane, noting which subscriptions it last saw enabled (what its plans were made from),
 * and opening lifecycle tokens without KV.
 */
class WatchedControlPlane extends ControlPlane {
  constructor(
    env: Bindings,
    private readonly seen: (subscriptions: Map<string, Subscription>) => void,
  ) {
    super(env);
  }

  override async subscriptions(tenantId: string): Promise<Map<string, Subscription>> {
    const result = await super.subscriptions(tenantId);
    this.seen(result);
    return result;
  }

  /** The sim has no configuration to read a base domain from: thin events link under a fixed one. */
  override async tenantBaseUrl(tenantId: string): Promise<string> {
    return `https://${tenantId}.sim.test`;
  }

  /** As the real one: null without a configuration (read from D1 as the engine's cache has it), else the token. */
  override async lifecycleToken(tenantId: string): Promise<string | null> {
    return (await this.lifecycleConfig(tenantId)) ? SIM_LIFECYCLE_TOKEN : null;
  }
}

interface Instance {
  id: number;
  engine: TenantEngine;
  running: number;
  outstanding: { count: number };
  alarmRunning: boolean;
}

export interface ObjectOptions {
  world: World;
  rng: Rng;
  engineRng: Rng;
  d1: DatabaseSync;
  faults: D1Faults;
  receivers: Receivers;
  /** Chance that a finished alarm runs once more (the runtime's at-least-once alarm). */
  alarmDuplicateRate: () => number;
  onWrite(sql: string): void;
  /** Before an instance is dropped: the invariants note which acknowledged outcomes it loses. */
  beforeCrash(): void;
  trace(line: string): void;
}

export class TenantObject {
  readonly storage = new ObjectDatabase();
  alarmAt: number | null = null;
  /** Subscription ids the engine last read as enabled (undefined until it read any). */
  engineSawEnabled: Set<string> | undefined;
  crashes = 0;
  private instance: Instance | null = null;
  private nextInstanceId = 1;

  constructor(private readonly options: ObjectOptions) {
    // The store creates its tables; the invariant checks read them before the first instance starts.
    new DeliveryStore(this.storage.handle(() => true).sql);
  }

  get engine(): TenantEngine | null {
    return this.instance?.engine ?? null;
  }

  /** No handler running, no send out, no write held: the moment the "nothing stranded" invariant is checked. */
  idle(): boolean {
    const instance = this.instance;
    return !instance || (instance.running === 0 && instance.outstanding.count === 0 && instance.engine.store.heldWrites === 0);
  }

  /** The instance running now (set before its constructor runs, cleared by a crash). */
  private liveId: number | null = null;

  private alive(id: number): boolean {
    return this.liveId === id;
  }

  private ensure(): Instance {
    if (this.instance) return this.instance;
    const { world, rng, engineRng } = this.options;
    const id = this.nextInstanceId++;
    this.liveId = id;
    const alive = () => this.alive(id);
    const handle = this.storage.handle(alive);
    const env = {
      DB: d1Database(this.options.d1, { world, rng, faults: this.options.faults, owner: id, onWrite: this.options.onWrite }),
    } as unknown as Bindings;
    const outstanding = { count: 0 };
    const storageCall = <T>(effect: () => T): Promise<T> => {
      if (!alive()) return new Promise<T>(() => undefined);
      return world.later(rng.int(0, 2), effect, id);
    };
    const trace = this.options.trace;
    let engine!: TenantEngine;
    const attempts = new SimAttempts(() => engine.store, {
      world,
      rng,
      owner: id,
      receivers: this.options.receivers,
      crash: () => this.crash("the receiver crashed it"),
      outstanding,
      trace,
    });
    engine = new TenantEngine({
      storage: {
        ...handle,
        alarm: {
          get: () => storageCall(() => this.alarmAt),
          set: (at) => {
            this.setAlarm(at);
            return storageCall(() => undefined);
          },
          delete: () => {
            this.alarmAt = null;
            trace("alarm deleted");
            return storageCall(() => undefined);
          },
        },
      },
      controlPlane: new WatchedControlPlane(env, (subscriptions) => {
        if (alive()) this.engineSawEnabled = new Set([...subscriptions.values()].filter((s) => s.enabled && s.disabledReason === null).map((s) => s.id));
      }),
      attempts,
      // The simulated tenants set no operational webhook: events are raised and stored, nothing is sent.
      operations: {
        targets: async (tenantId) => ({ tenantSlug: tenantId, tenant: null, platform: null }),
        secrets: async () => [],
        record: async () => undefined,
      },
      clock: { now: () => world.now },
      timers: {
        set: (callback, delayMs) => {
          const timer = { cleared: false };
          world.at(delayMs, () => timer.cleared || callback(), id);
          return timer;
        },
        clear: (handle) => {
          (handle as { cleared: boolean }).cleared = true;
        },
      },
      random: () => engineRng.next(),
      log: (level, message, fields) => level !== "info" && trace(`log ${level} ${message} ${JSON.stringify(fields ?? {})}`),
      waitUntil: (work) => this.track(instance, work),
    });
    const instance: Instance = { id, engine, running: 0, outstanding, alarmRunning: false };
    this.instance = instance;
    engine.start();
    trace(`instance ${id} started`);
    return instance;
  }

  private track(instance: Instance, work: Promise<unknown>): Promise<unknown> {
    instance.running++;
    return work.finally(() => {
      instance.running--;
    });
  }

  setAlarm(at: number): void {
    this.alarmAt = at;
    this.options.trace(`alarm set for +${at - this.options.world.now} ms`);
    this.options.world.at(at - this.options.world.now, () => this.fireAlarm(at));
  }

  /** An RPC or queue call into the object: starts an instance if none runs. */
  call<T>(name: string, run: (engine: TenantEngine) => Promise<T>): Promise<T> {
    const instance = this.ensure();
    this.options.trace(`call ${name}`);
    const work = run(instance.engine);
    this.track(instance, work).catch(() => undefined);
    return work;
  }

  private fireAlarm(at: number): void {
    if (this.alarmAt !== at) return;
    this.alarmAt = null;
    this.runAlarm("alarm fires");
  }

  private runAlarm(label: string): void {
    const instance = this.ensure();
    instance.alarmRunning = true;
    this.options.trace(label);
    const work = instance.engine.alarm();
    this.track(instance, work).finally(() => {
      instance.alarmRunning = false;
      if (this.alive(instance.id) && this.options.rng.chance(this.options.alarmDuplicateRate())) {
        this.options.world.at(this.options.rng.int(0, 50), () => this.runAlarm("alarm fires again (duplicate)"));
      }
    });
  }

  /** The object dies: its instance, held writes and pending awaits are gone; the file and the alarm stay. */
  crash(reason: string): void {
    const instance = this.instance;
    if (!instance) return;
    this.options.beforeCrash();
    this.instance = null;
    this.liveId = null;
    this.options.world.kill(instance.id);
    this.crashes++;
    this.options.trace(`CRASH instance ${instance.id} (${reason})`);
    // The runtime retries an alarm whose handler did not finish.
    if (instance.alarmRunning) {
      const retryAt = this.options.world.now + 2_000;
      if (this.alarmAt === null || this.alarmAt > retryAt) this.setAlarm(retryAt);
    }
  }
}
