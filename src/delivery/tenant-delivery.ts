/**
 * TenantDelivery: one Durable Object per tenant (idFromName(tenantId)), the single writer of that tenant's
 * outbound state. A thin shell: it builds the engine (tenant-engine.ts) with the object's storage, alarm and
 * bindings as its ports, and forwards the alarm and the RPC methods to it.
 */
import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../runtime/env";
import { readConfig } from "../runtime/env";
import { logLine } from "../runtime/log";
import type { DeliveryStatus } from "./delivery-tables";
import type { DeliveryView, StreamView, TestAttempt } from "./delivery-view";
import { ControlPlane } from "./control-plane";
import { DeliveryAttempts } from "./delivery-attempts";
import { OperationsBindings } from "./operational-port";
import { TenantEngine, type PumpResult } from "./tenant-engine";
import type { RaisedSignal } from "./operational-signals";
import { runtimeClock, runtimeTimers } from "./time";

export class TenantDelivery extends DurableObject<Bindings> {
  /** The engine; a test may reach its store and budget through it. */
  readonly engine: TenantEngine;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // Validates the configuration and applies LOG_LEVEL in this object's isolate before its first log line.
    readConfig(env);
    const storage = ctx.storage;
    this.engine = new TenantEngine({
      storage: {
        sql: storage.sql,
        transactionSync: (run) => storage.transactionSync(run),
        alarm: { get: () => storage.getAlarm(), set: (at) => storage.setAlarm(at), delete: () => storage.deleteAlarm() },
      },
      controlPlane: new ControlPlane(env),
      attempts: new DeliveryAttempts(env, () => this.engine.store),
      operations: new OperationsBindings(env),
      clock: runtimeClock,
      timers: runtimeTimers,
      random: Math.random,
      log: logLine,
      waitUntil: (work) => ctx.waitUntil(work),
    });
    ctx.blockConcurrencyWhile(async () => this.engine.start());
  }

  pump(tenantId: string, maxWaitMs?: number): Promise<PumpResult> {
    return this.engine.pump(tenantId, maxWaitMs);
  }

  refresh(tenantId: string): Promise<PumpResult> {
    return this.engine.refresh(tenantId);
  }

  /** An operational event the request path raised (see operations/hook-failure-report.ts). */
  raiseOperational(tenantId: string, signal: RaisedSignal): Promise<void> {
    return this.engine.raiseOperational(tenantId, signal);
  }

  override alarm(): Promise<void> {
    return this.engine.alarm();
  }

  listDeliveries(filter: { subscriptionId?: string; status?: DeliveryStatus; afterPosition?: number; limit: number }): Promise<DeliveryView[]> {
    return this.engine.listDeliveries(filter);
  }

  getDelivery(id: string): Promise<DeliveryView | null> {
    return this.engine.getDelivery(id);
  }

  replayDelivery(id: string): Promise<DeliveryView | null | "erased" | "password gone"> {
    return this.engine.replayDelivery(id);
  }

  skipDelivery(id: string): Promise<DeliveryView | null> {
    return this.engine.skipDelivery(id);
  }

  replaySubscription(subscriptionId: string, since: { seq?: number; time?: number }): Promise<number> {
    return this.engine.replaySubscription(subscriptionId, since);
  }

  streams(): Promise<StreamView[]> {
    return this.engine.streams();
  }

  sendTest(subscriptionId: string): Promise<TestAttempt | null> {
    return this.engine.sendTest(subscriptionId);
  }

  /** Erasure of one record: see TenantEngine.eraseEvents(). */
  eraseEvents(tenantId: string, eventSeqs: number[]): Promise<void> {
    return this.engine.eraseEvents(tenantId, eventSeqs);
  }

  /** Open deliveries of a subscription (pending, in flight, or a blocking dead letter). */
  async openDeliveryCount(subscriptionId: string): Promise<number> {
    return this.engine.store.openDeliveries(subscriptionId);
  }

  /** Retention: deletes up to `limit` closed deliveries last changed before `before`; open work is never touched. */
  async pruneClosed(before: number, limit: number): Promise<number> {
    return this.engine.store.pruneClosed(before, limit);
  }

  /** Dead letters retention has pruned (the metrics add them to those still held). */
  async prunedDeadLetters(): Promise<number> {
    return this.engine.store.prunedDeadLetters();
  }
}
