/**
 * Every effect of the delivery engine, behind small interfaces: the Durable Object (tenant-delivery.ts)
 * implements them with its storage, its alarm and the runtime's clock; the fault simulator (sim/) with
 * seeded fakes, so one seed replays one whole run, crashes and failures included.
 */
import type { AttemptRecord } from "../outbound/attempt";
import type { LifecycleHooks, StoredAttachment, StoredEvent, Subscription } from "../db/schema";
import type { EventPage } from "../records/event-feed";
import type { FormDefinition } from "../records/form-fields";
import type { CircuitBreaker } from "./circuit-breaker";
import type { DeliveryRow } from "./delivery-tables";
import type { AttemptLogRow } from "./control-plane";
import type { Clock, Timers } from "./time";
import type { OperationalEventType } from "../db/schema";
import type { OperationalEvent } from "../operations/operational-event-store";
import type { OperationalOwner } from "./operational-signals";

/** The object's one alarm. */
export interface Alarm {
  get(): Promise<number | null>;
  set(at: number): Promise<void>;
  delete(): Promise<void>;
}

/** The object's storage as the engine uses it: SQLite, a synchronous transaction, the alarm. */
export interface EngineStorage {
  sql: SqlStorage;
  transactionSync<T>(run: () => T): T;
  alarm: Alarm;
}

/** What the engine reads from and writes to D1 (control-plane.ts in production). */
export interface ControlPlanePort {
  forget(): void;
  forgetSubscriptions(): void;
  /** A page of events after `seq`, bounded by rows and bytes; `more` when events may follow it. */
  eventsAfter(tenantId: string, seq: number, limit: number): Promise<EventPage>;
  newestEventSeq(tenantId: string): Promise<number>;
  /** The tenant's public base URL (thin events link to the record under it). */
  tenantBaseUrl(tenantId: string): Promise<string>;
  /** The stored files an event's values name, by field (empty, without a read, when no value looks like one). */
  attachmentsOf(event: StoredEvent): Promise<Map<string, StoredAttachment>>;
  subscriptions(tenantId: string): Promise<Map<string, Subscription>>;
  /** The tenant's form definitions by name key (records/form-names.ts), for conditions and payload fields. */
  formDefinitions(tenantId: string): Promise<ReadonlyMap<string, FormDefinition>>;
  disable(subscription: Subscription, reason: string): Promise<void>;
  lifecycleConfig(tenantId: string): Promise<LifecycleHooks | null>;
  lifecycleToken(tenantId: string): Promise<string | null>;
  /** A changePassword delivery's sealed password, opened; null when KV does not have it (yet, or any more). */
  lifecycleSecret(tenantId: string, ref: string): Promise<string | null>;
  /** Deletes a changePassword delivery's sealed password once that delivery has ended. */
  discardLifecycleSecret(tenantId: string, ref: string): Promise<void>;
  saveCursor(tenantId: string, cursor: number): Promise<void>;
  /** Mirrors when the object will wake next (null: it will not), for the sweeper's backstop. */
  saveNextDue(tenantId: string, nextDueAt: number | null): Promise<void>;
  /** False while the tenant is suspended: nothing is sent. */
  tenantActive(tenantId: string): Promise<boolean>;
  logAttempt(row: AttemptLogRow): void;
  readonly queuedAttempts: number;
  flushAttemptLogInBackground(): void;
  attemptLogFlushed(): Promise<void>;
  /** Erasure: no response excerpt of these events' attempts is kept, queued or written. */
  eraseAttemptExcerpts(tenantId: string, eventSeqs: readonly number[]): Promise<void>;
}

/** How the engine makes attempts (delivery-attempts.ts in production: SSRF guard, credentials, breakers). */
export interface AttemptPort {
  useTenant(tenantId: string): void;
  startDrain(tenantId: string): void;
  breakerOf(url: string): CircuitBreaker;
  saveBreakerIfChanged(url: string, transition: (breaker: CircuitBreaker) => CircuitBreaker): void;
  attemptDelivery(delivery: Pick<DeliveryRow, "id" | "body" | "content_type">, subscription: Subscription, timeoutMs: number): Promise<AttemptRecord>;
  attemptLifecycle(delivery: DeliveryRow & { url: string }, token: string | null, timeoutMs: number): Promise<AttemptRecord>;
  /** An operational webhook delivery, signed with `secrets` (its webhook's, current first). */
  attemptOperational(delivery: Pick<DeliveryRow, "id" | "body" | "content_type"> & { url: string }, secrets: readonly string[], timeoutMs: number): Promise<AttemptRecord>;
}

/** An operational webhook as the engine sends to it: where, and which event types (null: all). */
export interface OperationalTarget {
  url: string;
  events: readonly OperationalEventType[] | null;
}

/** Who hears of the tenant's operational events: its own webhook and the platform's (null: none set). */
export interface OperationalTargets {
  tenantSlug: string;
  tenant: OperationalTarget | null;
  platform: OperationalTarget | null;
}

/** Operational webhooks (operational-port.ts in production): their configuration, secrets, event log and sends. */
export interface OperationsPort {
  targets(tenantId: string): Promise<OperationalTargets>;
  /** The secrets that sign for the owner's webhook now (current first); empty when it was removed. */
  secrets(tenantId: string, owner: OperationalOwner): Promise<string[]>;
  /** Adds events to the tenant's recent operational events (D1). */
  record(events: readonly OperationalEvent[]): Promise<void>;
}

export type LogPort = (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;

export interface EnginePorts {
  storage: EngineStorage;
  controlPlane: ControlPlanePort;
  attempts: AttemptPort;
  operations: OperationsPort;
  clock: Clock;
  timers: Timers;
  /** In [0, 1), like Math.random: retry jitter. */
  random(): number;
  log: LogPort;
  /** Keeps the invocation alive for work started without waiting for it (a drain kicked by an RPC). */
  waitUntil(work: Promise<unknown>): void;
}
