/**
 * Delivery test harness: an in-process receiver that records every request it gets, in order, and answers
 * as the test says; and `settle`, which pumps a tenant's TenantDelivery and runs its alarms until nothing
 * is left to do, so tests observe the engine's final state without timed sleeps.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { useTransport } from "../../src/outbound/transport";
import type { DeliveryView } from "../../src/delivery/delivery-view";
import { call, type TestTenant } from "../helpers";

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

/**
 * Pumps until the tenant's deliveries have no open work left (pending or in flight), waiting for each alarm
 * time in between; bounded in rounds and time. It wakes the object with pump(), which drains exactly as
 * alarm() does, because the runtime's own alarm may fire (and clear itself) at any moment in between.
 */
export async function settle(tenantId: string, maxRounds = 500, maxWaitMs = 5_000): Promise<void> {
  const stub = deliveryStub(tenantId);
  const deadline = Date.now() + maxWaitMs;
  for (let round = 0; round < maxRounds; round++) {
    await stub.pump(tenantId);
    const { open, alarm } = await runInDurableObject(stub, async (_instance, state) => ({
      // Work behind a blocked head waits for an operator, not for time: it does not count as open.
      open: state.storage.sql
        .exec<{ n: number }>(
          `SELECT COUNT(*) AS n FROM deliveries d WHERE status IN ('pending', 'inflight')
           AND NOT EXISTS (SELECT 1 FROM deliveries b WHERE b.stream_key = d.stream_key AND b.blocking = 1)`,
        )
        .one().n,
      alarm: await state.storage.getAlarm(),
    }));
    if (open === 0) return;
    const wait = alarm === null ? 5 : Math.max(0, alarm - Date.now());
    if (Date.now() + wait > deadline) throw new Error(`open deliveries wait ${wait} ms, past the settle budget`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  throw new Error("delivery did not settle");
}

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
