/**
 * The receivers and the engine's AttemptPort: the real breaker bookkeeping (DeliveryAttempts) with the network
 * replaced by seeded receivers that answer through the world's event queue: 2xx, 4xx, 5xx, 410, Retry-After,
 * timeouts (having processed the request or not), an exception in the send path, or a crash of the object.
 * Subscriptions' callbacks and the tenant's lifecycle hooks (receiver `lifecycle`) behave alike.
 */
import type { Bindings } from "../src/runtime/env";
import type { Subscription } from "../src/db/schema";
import type { AttemptRecord } from "../src/outbound/attempt";
import { LIFECYCLE_SUBSCRIPTION_ID } from "../src/lifecycle/post-hooks";
import { DeliveryAttempts } from "../src/delivery/delivery-attempts";
import type { DeliveryStore } from "../src/delivery/delivery-store";
import type { DeliveryRow } from "../src/delivery/delivery-tables";
import type { Rng, World } from "./world";

export type ReceiverMode = "ok" | "flaky" | "down" | "gone" | "slow" | "hang";
export const RECEIVER_MODES: readonly ReceiverMode[] = ["ok", "ok", "ok", "flaky", "flaky", "down", "gone", "slow", "hang"];

/** One request as the receiver saw it. */
export interface Receipt {
  deliveryId: string;
  streamKey: string;
  eventSeq: number;
  subscriptionId: string;
  replay: boolean;
  at: number;
  /** The receiver processed it (a 2xx, or a timeout it processed before the caller gave up). */
  accepted: boolean;
}

type Answer = { kind: "status"; status: number; retryAfter?: string } | { kind: "timeout"; processed: boolean };

/** What the receivers do, shared by every object instance. */
export class Receivers {
  readonly receipts: Receipt[] = [];
  readonly modes = new Map<string, ReceiverMode>();
  /** Deliveries whose send crashes the object, every time. */
  readonly poison = new Set<string>();
  /** Probability that the send path throws instead of sending. */
  throwRate = 0;
  /** Quiescence: every receiver answers 2xx at once. */
  healthy = false;
  /** Deliveries whose 2xx reached a live instance and, as far as the sim knows, was recorded (see forgetLost()). */
  readonly acked = new Set<string>();
  /** Receipts of a delivery already processed once: expected (after an unknown outcome) or not. */
  readonly duplicates: { deliveryId: string; at: number; expected: boolean }[] = [];

  /** Notes a request; a second one of a delivery the receiver already processed is a duplicate. */
  receive(receipt: Receipt): void {
    if (this.receipts.some((earlier) => earlier.deliveryId === receipt.deliveryId && earlier.accepted)) {
      this.duplicates.push({ deliveryId: receipt.deliveryId, at: receipt.at, expected: !this.acked.has(receipt.deliveryId) });
    }
    this.receipts.push(receipt);
  }

  /** A crash: acknowledged outcomes not yet in storage (held writes) are lost, so their resends are expected. */
  forgetLost(durable: (deliveryId: string) => boolean): void {
    for (const id of [...this.acked]) if (!durable(id)) this.acked.delete(id);
  }

  constructor(private readonly rng: Rng) {}

  answer(subscriptionId: string): Answer {
    const mode = this.healthy ? "ok" : (this.modes.get(subscriptionId) ?? "ok");
    const roll = this.rng.next();
    switch (mode) {
      case "ok":
        return roll < 0.95 ? { kind: "status", status: 200 } : { kind: "status", status: 500 };
      case "flaky":
        if (roll < 0.45) return { kind: "status", status: 204 };
        if (roll < 0.6) return { kind: "status", status: 500 };
        if (roll < 0.7) return { kind: "status", status: 429, retryAfter: String(this.rng.int(1, 120)) };
        if (roll < 0.8) return { kind: "status", status: 400 };
        return { kind: "timeout", processed: this.rng.chance(0.5) };
      case "down":
        return roll < 0.5 ? { kind: "status", status: 503, retryAfter: String(this.rng.int(1, 600)) } : { kind: "status", status: 502 };
      case "gone":
        return roll < 0.3 ? { kind: "status", status: 410 } : { kind: "status", status: 200 };
      case "slow":
        return { kind: "timeout", processed: this.rng.chance(0.6) };
      case "hang":
        return { kind: "timeout", processed: false };
    }
  }
}

export interface AttemptHooks {
  world: World;
  rng: Rng;
  owner: number;
  receivers: Receivers;
  /** The receiver crashed the object (a poisoned delivery). */
  crash(): void;
  outstanding: { count: number };
  trace(line: string): void;
}

/** The AttemptPort of one object instance. */
export class SimAttempts extends DeliveryAttempts {
  constructor(
    store: () => DeliveryStore,
    private readonly hooks: AttemptHooks,
  ) {
    // DeliveryAttempts reads env only to send; this subclass never sends.
    super({} as Bindings, store);
  }

  override attemptDelivery(delivery: Pick<DeliveryRow, "id" | "body" | "content_type">, subscription: Subscription, timeoutMs: number): Promise<AttemptRecord> {
    // The engine passes the whole row; the receiver reads its stream and event like a receiver reads the body.
    return this.sendToReceiver(delivery as DeliveryRow, subscription.id, timeoutMs);
  }

  override attemptLifecycle(delivery: DeliveryRow & { url: string }, token: string | null, timeoutMs: number): Promise<AttemptRecord> {
    // As the real port: without a token nothing is sent, the attempt is refused (and retried by the policy).
    if (token === null) {
      const error = "The lifecycle hook token is missing; save the lifecycle hooks again";
      this.hooks.trace(`send ${delivery.id}: refused, no lifecycle token`);
      return Promise.resolve({ outcome: { kind: "network_error", error, beforeSend: true }, startedAt: this.hooks.world.now, durationMs: 0, statusCode: null, error, responseExcerpt: null });
    }
    return this.sendToReceiver(delivery, LIFECYCLE_SUBSCRIPTION_ID, timeoutMs);
  }

  override attemptOperational(): Promise<AttemptRecord> {
    throw new Error("The simulator sets no operational webhook");
  }

  /** One request to the receiver `receiverId` (a subscription id, or `lifecycle`), answered as its mode says. */
  private sendToReceiver(row: DeliveryRow, receiverId: string, timeoutMs: number): Promise<AttemptRecord> {
    const { world, rng, owner, receivers } = this.hooks;
    const startedAt = world.now;
    if (receivers.throwRate > 0 && rng.chance(receivers.throwRate)) {
      this.hooks.trace(`send ${row.id}: the send path throws`);
      return world.later(rng.int(0, 5), () => { throw new Error("sim: exception in the send path"); }, owner);
    }
    const receipt: Receipt = {
      deliveryId: row.id,
      streamKey: row.stream_key,
      eventSeq: row.event_seq,
      subscriptionId: receiverId,
      replay: row.replay_of !== null,
      at: startedAt,
      accepted: false,
    };
    receivers.receive(receipt);
    if (receivers.poison.has(row.id)) {
      this.hooks.trace(`send ${row.id}: the receiver crashes the object`);
      world.at(0, () => this.hooks.crash(), owner);
      return new Promise<AttemptRecord>(() => undefined);
    }
    const answer = receivers.answer(receiverId);
    receipt.accepted = answer.kind === "timeout" ? answer.processed : answer.status >= 200 && answer.status < 300;
    const delay = answer.kind === "timeout" ? timeoutMs : rng.int(1, 200);
    this.hooks.outstanding.count++;
    this.hooks.trace(`send ${row.id}${row.url === null ? "" : ` to ${row.url}`} (attempt ${row.attempts + 1}) -> ${answer.kind === "timeout" ? `timeout${answer.processed ? " (processed)" : ""}` : answer.status}`);
    return world.later(
      delay,
      (): AttemptRecord => {
        this.hooks.outstanding.count--;
        const durationMs = world.now - startedAt;
        if (answer.kind === "timeout") {
          return { outcome: { kind: "timeout" }, startedAt, durationMs, statusCode: null, error: `Timed out after ${timeoutMs} ms`, responseExcerpt: null };
        }
        if (answer.status >= 200 && answer.status < 300) receivers.acked.add(row.id);
        return {
          outcome: { kind: "response", status: answer.status, retryAfter: answer.retryAfter ?? null },
          startedAt,
          durationMs,
          statusCode: answer.status,
          error: answer.status >= 200 && answer.status < 300 ? null : `HTTP ${answer.status}`,
          responseExcerpt: null,
        };
      },
      owner,
    );
  }
}
