/**
 * The schedule's configuration steps and its model of them: subscriptions (created, saved enabled or disabled,
 * deleted, ordering changed), the tenant's lifecycle hooks (a random set of post hooks enabled, or the
 * configuration removed) and how each receiver behaves. Writes go to D1 as the admin routes make them (never
 * faulted); the models say from when each subscription and hook has been enabled without a break, which is
 * what the no-loss invariant judges by.
 */
import { eq } from "drizzle-orm";
import type { Database } from "../src/db/client";
import { lifecycleHooks, subscriptions, type Ordering } from "../src/db/schema";
import { LIFECYCLE_SUBSCRIPTION_ID, type PostHookName } from "../src/lifecycle/post-hooks";
import { RECEIVER_MODES, type Receivers } from "./receiver";
import type { LifecycleModel, SubscriptionModel } from "./invariants";
import type { TenantObject } from "./tenant-object";
import type { Rng, World } from "./world";

export const FORMS = ["Ticket", "User"] as const;
const SHORT_POLICY = { retryDelaysMs: [1_000, 4_000, 20_000], maxAttempts: 4, timeoutMs: 3_000 };
const POST_HOOKS: readonly PostHookName[] = ["postCreateUser", "postUpdateUser", "runDeprovision"];
/** Two base URLs: a changed one leaves the deliveries already owed (and their breakers) on the old URLs. */
const LIFECYCLE_BASE_URLS = ["https://hooks.example/cymmetri", "https://hooks-moved.example/cymmetri"];
/** What `token_ref` points at is never read: the sim's control plane opens every token to a fixed one. */
const LIFECYCLE_TOKEN_REF = "sim-lifecycle-token-ref";

export interface ConfigPorts {
  tenantId: string;
  /** D1 as the admin routes write it: no faults. */
  adminDb: Database;
  rng: Rng;
  world: World;
  receivers: Receivers;
  object: TenantObject;
  /** A queue nudge, as a route's wake-up sends one. */
  nudge(reason: string): void;
  trace(line: string): void;
}

export class TenantConfig {
  readonly subscriptions: SubscriptionModel[] = [];
  /** When each post hook has been enabled without a break; a hook not enabled now is absent. */
  readonly lifecycle: LifecycleModel = new Map();
  private lifecycleRowExists = false;

  constructor(private readonly ports: ConfigPorts) {}

  live(): SubscriptionModel[] {
    return this.subscriptions.filter((model) => !model.deleted);
  }

  async createSubscription(): Promise<void> {
    const { adminDb, rng, world, receivers, tenantId } = this.ports;
    const id = `WBH${String(this.subscriptions.length + 1).padStart(12, "0")}`;
    const form = rng.pick(FORMS);
    const ordering: Ordering = rng.chance(0.5) ? "record" : "subscription";
    // Some subscriptions are rate-limited: throttled heads must still always have a wake-up (nothing stranded).
    const rateLimitPerSecond = rng.chance(0.3) ? rng.pick([1, 5, 50]) : null;
    this.subscriptions.push({ id, form, enabledSince: world.now, deleted: false });
    receivers.modes.set(id, rng.pick(RECEIVER_MODES));
    await adminDb.insert(subscriptions).values({
      tenantId,
      id,
      formName: form,
      condition: "",
      entryEvents: ["create", "update", "merge", "delete"],
      entryEventsKey: "create,delete,merge,update",
      payloadFields: [],
      enabled: true,
      sendUnchangedFields: false,
      sendAttachmentAsReference: false,
      customJson: null,
      callbackUrl: `https://receiver.example/${id}`,
      authType: "NO_AUTH",
      authSettings: {},
      format: "thin",
      ordering,
      retryPolicy: rng.chance(0.6) ? SHORT_POLICY : null,
      deadLetterPolicy: rng.chance(0.3) ? "block" : "skip",
      rateLimitPerSecond,
      createdAt: world.now,
      updatedAt: world.now,
    });
    this.ports.trace(`subscription ${id} created (${form}, ordering ${ordering}, receiver ${receivers.modes.get(id)}${rateLimitPerSecond === null ? "" : `, ${rateLimitPerSecond}/s`})`);
  }

  async setEnabled(model: SubscriptionModel, enabled: boolean): Promise<void> {
    const { adminDb, world } = this.ports;
    // Saving a subscription clears a 410 disable too (subscription-store columnsFrom); the route then wakes delivery.
    await adminDb.update(subscriptions).set({ enabled, disabledReason: null, updatedAt: world.now }).where(eq(subscriptions.id, model.id));
    model.enabledSince = enabled ? (model.enabledSince ?? world.now) : null;
    this.ports.trace(`subscription ${model.id} ${enabled ? "enabled (saved)" : "disabled"}`);
    this.ports.nudge("subscription saved");
  }

  /** Disables an enabled subscription, or saves a disabled one again. */
  async toggleEnabled(): Promise<void> {
    const model = this.ports.rng.pick(this.live());
    await this.setEnabled(model, model.enabledSince === null);
  }

  async deleteSubscription(): Promise<void> {
    const model = this.ports.rng.pick(this.live());
    await this.ports.adminDb.delete(subscriptions).where(eq(subscriptions.id, model.id));
    model.deleted = true;
    this.ports.trace(`subscription ${model.id} deleted`);
    // The route wakes delivery: what the subscription still held is skipped now.
    this.ports.nudge("subscription deleted");
  }

  /**
   * The route's rule: the ordering changes only while no delivery of the subscription is open. That count and
   * the change are not one transaction: a fan-out can slip in between (the change then races it).
   */
  async changeOrdering(): Promise<void> {
    const { adminDb, rng, world, object, trace } = this.ports;
    const model = rng.pick(this.live());
    const open = await object.call("openDeliveryCount", (engine) => engine.openDeliveryCount(model.id));
    const racing = open > 0 && rng.chance(0.3);
    if (racing) trace(`subscription ${model.id}: ${open} open, but the count raced a fan-out`);
    if (open > 0 && !racing) return trace(`subscription ${model.id} ordering change refused: ${open} open`);
    const [row] = await adminDb.select({ ordering: subscriptions.ordering }).from(subscriptions).where(eq(subscriptions.id, model.id));
    const ordering: Ordering = row?.ordering === "record" ? "subscription" : "record";
    await adminDb.update(subscriptions).set({ ordering, disabledReason: null, updatedAt: world.now }).where(eq(subscriptions.id, model.id));
    trace(`subscription ${model.id} ordering -> ${ordering}`);
    this.ports.nudge("subscription saved");
  }

  /** A live subscription's receiver, or the lifecycle hooks' once they were ever configured, behaves differently. */
  changeReceiver(): void {
    const { rng, receivers } = this.ports;
    const candidates = this.live().map((model) => model.id);
    if (receivers.modes.has(LIFECYCLE_SUBSCRIPTION_ID)) candidates.push(LIFECYCLE_SUBSCRIPTION_ID);
    const id = rng.pick(candidates);
    receivers.modes.set(id, rng.pick(RECEIVER_MODES));
    this.ports.trace(`receiver of ${id} now ${receivers.modes.get(id)}`);
  }

  /**
   * The lifecycle hooks route: saves the row with a random non-empty set of post hooks enabled, or (a quarter
   * of the times a row exists) removes it. Like the route, it wakes no delivery. The write lands in D1 at this
   * virtual time (only its answer comes later), so the model's times are exact.
   */
  async configureLifecycle(): Promise<void> {
    const { adminDb, rng, world, receivers, tenantId, trace } = this.ports;
    const now = world.now;
    if (this.lifecycleRowExists && rng.chance(0.25)) {
      this.lifecycle.clear();
      this.lifecycleRowExists = false;
      await adminDb.delete(lifecycleHooks).where(eq(lifecycleHooks.tenantId, tenantId));
      return trace("lifecycle hooks removed");
    }
    const chosen = POST_HOOKS.filter(() => rng.chance(0.5));
    const enabled = chosen.length > 0 ? chosen : [rng.pick(POST_HOOKS)];
    const baseUrl = rng.pick(LIFECYCLE_BASE_URLS);
    for (const hook of POST_HOOKS) {
      if (!enabled.includes(hook)) this.lifecycle.delete(hook);
      else if (!this.lifecycle.has(hook)) this.lifecycle.set(hook, now);
    }
    this.lifecycleRowExists = true;
    if (!receivers.modes.has(LIFECYCLE_SUBSCRIPTION_ID)) receivers.modes.set(LIFECYCLE_SUBSCRIPTION_ID, rng.pick(RECEIVER_MODES));
    const values = { baseUrl, tokenRef: LIFECYCLE_TOKEN_REF, enabled, timeoutMs: 3_000, onTimeout: "allow" as const, updatedAt: now };
    await adminDb
      .insert(lifecycleHooks)
      .values({ tenantId, ...values, createdAt: now })
      .onConflictDoUpdate({ target: lifecycleHooks.tenantId, set: values });
    trace(`lifecycle hooks saved: ${enabled.join(", ")} at ${baseUrl} (receiver ${receivers.modes.get(LIFECYCLE_SUBSCRIPTION_ID)})`);
  }
}
