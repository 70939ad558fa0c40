/**
 * Delivery test harness: an in-process receiver that records every request it gets, in order, and answers
 * as the test says; and `settle`, which wakes a tenant's TenantDelivery once and then only watches its
 * storage while the object's own alarms do the rest, so a lost wake-up fails the test instead of being rescued.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { useTransport } from "../../src/outbound/transport";
import type { DeliveryView } from "../../src/delivery/delivery-view";
import type { EnginePorts } from "../../src/delivery/engine-ports";
import type { TenantDelivery } from "../../src/delivery/tenant-delivery";
import { call, type TestTenant } from "../helpers";
import type { DeliveryNudge } from "../../src/delivery/nudge";

export interface Received {
  url: string;
  headers: Headers;
  body: string;
  json: Record<string, unknown>;
}

export type Answer = (request: Received, index: number) => Response | Promise<Response>;

export interface Receiver {
  /** The callback URL to register: unique per receiver, so late deliveries of other tests never land here. */
  url: string;
  received: Received[];
  restore: () => void;
}

let receivers = 0;

export function startReceiver(answer: Answer = () => new Response("ok", { status: 200 })): Receiver {
  const received: Received[] = [];
  const url = `https://r${Date.now().toString(36)}${(receivers++).toString(36)}.receiver.test/hook`;
  const restore = useTransport(async (request) => {
    if (!request.url.startsWith(url)) return new Response("not this test's receiver", { status: 503 });
    // Decoded by hand: workerd warns on .text() of a form-urlencoded body (an OAuth2 token request).
    const body = new TextDecoder().decode(await request.arrayBuffer());
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(body) as Record<string, unknown>;
    } catch {
      // a multipart or non-JSON body: keep the text only
    }
    const entry = { url: request.url, headers: request.headers, body, json };
    received.push(entry);
    return answer(entry, received.length - 1);
  });
  return { url, received, restore };
}

export const deliveryStub = (tenantId: string) => env.TENANT_DELIVERY.get(env.TENANT_DELIVERY.idFromName(tenantId));

/** A tenant's open work as its object's storage shows it, and the object's alarm. */
export interface OpenWork {
  pending: number;
  inflight: number;
  alarm: number | null;
}

export async function openWork(tenantId: string): Promise<OpenWork> {
  return runInDurableObject(deliveryStub(tenantId), async (_instance, state) => {
    // Work behind a blocked head waits for an operator, not for time: it does not count as open.
    const counts = state.storage.sql
      .exec<{ pending: number | null; inflight: number | null }>(
        `SELECT SUM(status = 'pending') AS pending, SUM(status = 'inflight') AS inflight FROM deliveries d
         WHERE status IN ('pending', 'inflight')
         AND NOT EXISTS (SELECT 1 FROM deliveries b WHERE b.stream_key = d.stream_key AND b.blocking = 1)`,
      )
      .one();
    return { pending: counts.pending ?? 0, inflight: counts.inflight ?? 0, alarm: await state.storage.getAlarm() };
  });
}

export interface SettleOptions {
  /** Wake the object with one pump first, as a queue nudge would (default); false: only wait. */
  wake?: boolean;
  /** How long the object's own alarms get to finish the work. */
  maxWaitMs?: number;
}

const POLL_MS = 10;

/**
 * Wakes the tenant's object once (one pump, what the queue consumer does for a nudge), then only waits: it
 * polls storage until no work is open (pending or in flight), while the runtime fires the object's alarms.
 * It never wakes the object again, so open work that nothing wakes (a lost wake-up) ends in an error that
 * says what was left and what the alarm was. Bounded in time (and so in polling rounds).
 */
export async function settle(tenantId: string, options: SettleOptions = {}): Promise<void> {
  const maxWaitMs = options.maxWaitMs ?? 5_000;
  if (options.wake ?? true) await deliveryStub(tenantId).pump(tenantId);
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const work = await openWork(tenantId);
    if (work.pending + work.inflight === 0) return;
    if (Date.now() > deadline) {
      const alarm = work.alarm === null ? "no alarm set (a lost wake-up)" : `the alarm set ${work.alarm - Date.now()} ms from now`;
      throw new Error(`delivery did not settle in ${maxWaitMs} ms: ${work.pending} pending, ${work.inflight} in flight, ${alarm}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Edits the object's storage behind its engine's back (a test moving time on: a retry or a cool-down made due
 * now), then has the engine read its stream heads again, as an operator's replay or skip does: the engine
 * keeps its view of the heads between drains and cannot see such an edit.
 */
export const editStorage = (tenantId: string, edit: (sql: SqlStorage) => void): Promise<void> =>
  runInDurableObject(deliveryStub(tenantId), (instance: TenantDelivery, state) => {
    edit(state.storage.sql);
    // TenantEngine keeps its drain private and has no seam for this; the cast names the one path used.
    (instance.engine as unknown as { drain: { heads: { invalidate(): void } } }).drain.heads.invalidate();
  });

/**
 * The engine's ports, for a test that makes one effect fail (a D1 read, a send). TenantEngine keeps them
 * private and has no seam for this; the cast names the one field read.
 */
export const enginePorts = (instance: TenantDelivery): EnginePorts => (instance.engine as unknown as { ports: EnginePorts }).ports;

export interface RegistrationOptions {
  form?: string;
  events?: string[];
  url: string;
  condition?: string;
  ordering?: "subscription" | "record";
  format?: "ar" | "thin";
  retryDelaysMs?: number[];
  maxAttempts?: number;
  timeoutMs?: number;
  deadLetterPolicy?: "skip" | "block";
  payloadFields?: string[];
  authentication?: Record<string, unknown>;
  /** An outbound transformation (a Jinja template); left out when not given. */
  transformation?: string;
  /** Hookgate's rate limit and auto-disable fields; left out when not given. */
  rateLimitPerSecond?: number;
  disableAfterFailingHours?: number;
  /** Keep the production retry schedule instead of the compressed test one. */
  defaultRetryPolicy?: boolean;
}

/** Registers an AR webhook with a compressed retry schedule; returns its id. */
export async function subscribe(tenant: TestTenant, options: RegistrationOptions): Promise<string> {
  const response = await call(tenant.slug, "/api/arsys/v1.0/webhook", {
    key: tenant.key,
    json: {
      form_name: options.form ?? "Widget",
      entry_events: options.events ?? ["create", "update", "merge", "delete"],
      condition: options.condition ?? "",
      callback: { url: options.url, authentication: options.authentication ?? { type: "NO_AUTH" } },
      payload_fields: options.payloadFields ?? [],
      ordering: options.ordering ?? "subscription",
      format: options.format ?? "ar",
      retry_policy: options.defaultRetryPolicy
        ? null
        : { retryDelaysMs: options.retryDelaysMs ?? [1, 1, 1], maxAttempts: options.maxAttempts ?? 4, timeoutMs: options.timeoutMs ?? 1_000 },
      dead_letter_policy: options.deadLetterPolicy ?? "skip",
      ...(options.transformation === undefined ? {} : { transformation: options.transformation }),
      ...(options.rateLimitPerSecond === undefined ? {} : { rate_limit_per_second: options.rateLimitPerSecond }),
      ...(options.disableAfterFailingHours === undefined ? {} : { disable_after_failing_hours: options.disableAfterFailingHours }),
    },
  });
  if (response.status !== 201) throw new Error(`subscribe failed: ${response.status} ${await response.text()}`);
  return response.headers.get("location")!.split("/").pop()!;
}

/** Creates an entry on a form through the AR entry API; returns the entry id. */
export async function createEntry(tenant: TestTenant, values: Record<string, unknown>, form = "Widget"): Promise<string> {
  const response = await call(tenant.slug, `/api/arsys/v1.0/entry/${encodeURIComponent(form)}`, { key: tenant.key, json: { values } });
  if (response.status !== 201) throw new Error(`entry failed: ${response.status} ${await response.text()}`);
  return response.headers.get("location")!.split("/").pop()!;
}

export async function updateEntry(tenant: TestTenant, id: string, values: Record<string, unknown>, form = "Widget"): Promise<void> {
  const response = await call(tenant.slug, `/api/arsys/v1.0/entry/${encodeURIComponent(form)}/${id}`, { key: tenant.key, method: "PUT", json: { values } });
  if (response.status !== 204) throw new Error(`update failed: ${response.status}`);
}

/** The event seq carried by a received AR callback's delivery id (msg_<seq>_<subscription>). */
export const seqOf = (received: Received): number => Number(received.headers.get("webhook-id")!.split("_")[1]);

/** The tenant's deliveries from the API, with an optional query string (e.g. "?status=dead"). */
export async function listDeliveries(tenant: TestTenant, query = ""): Promise<DeliveryView[]> {
  const response = await call(tenant.slug, `/api/v1/deliveries${query}`, { key: tenant.key });
  return (await response.json<{ items: DeliveryView[] }>()).items;
}

/** An env whose delivery queue records the nudges sent to it instead of delivering them. */
export function recordingEnv(sent: DeliveryNudge[]) {
  const queue = {
    send: async (body: DeliveryNudge) => void sent.push(body),
    sendBatch: async (messages: Iterable<MessageSendRequest<DeliveryNudge>>) => {
      for (const message of messages) sent.push(message.body);
    },
  };
  return { ...env, DELIVERY_QUEUE: queue as unknown as Queue<DeliveryNudge> };
}
