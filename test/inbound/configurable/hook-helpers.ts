/** Helpers for the configurable inbound hook tests: create a hook through the API and sign deliveries to it. */
import { expect } from "vitest";
import { call, countRows, type TestTenant } from "../../helpers";
import { signatureHeaders } from "../../../src/outbound/signing";
import { findPreset } from "../../../src/inbound/configurable/presets";

export const HOOKS = "/api/v1/inbound-hooks";

export type { HookView } from "../../../src/inbound/configurable/hook-view";
import type { HookView } from "../../../src/inbound/configurable/hook-view";

export async function createHook(tenant: TestTenant, input: Record<string, unknown>): Promise<HookView> {
  const response = await call(tenant.slug, HOOKS, { key: tenant.key, json: { name: `hook-${crypto.randomUUID()}`, ...input } });
  if (response.status !== 201) throw new Error(`hook create failed: ${response.status} ${await response.text()}`);
  return response.json<HookView>();
}

/** The preset's documented sample body, deep-copied so a test may change it. */
export const sampleBody = (presetId: string): Record<string, unknown> => structuredClone(findPreset(presetId)!.sample.body) as Record<string, unknown>;

export async function hmac(algorithm: "SHA-1" | "SHA-256" | "SHA-512", secret: string, content: string, encoding: "hex" | "base64"): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: algorithm }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(content)));
  if (encoding === "hex") return [...mac].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return btoa(String.fromCharCode(...mac));
}

export async function standardWebhookHeaders(secret: string, body: string, options: { id?: string; timestamp?: number } = {}) {
  const headers = await signatureHeaders({
    id: options.id ?? `msg_${crypto.randomUUID()}`,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    body,
    secrets: [secret],
  });
  return headers as unknown as Record<string, string>;
}

/** POSTs a raw body to the hook with the given headers (a `content-type` among them replaces application/json). */
export const deliver = (tenant: TestTenant, hookId: string, body: string, headers: Record<string, string>) =>
  call(tenant.slug, `/hooks/${hookId}`, { body, headers, contentType: headers["content-type"] });

export interface Received {
  hookId: string;
  eventId: string | null;
  replayed: boolean;
  changes: { form: string; recordId: string; event: string | null; eventSeq: number | null; syncKey: { name: string; value: string } }[];
}

export async function recordData(tenant: TestTenant, form: string, id: string): Promise<Record<string, unknown>> {
  const response = await call(tenant.slug, `/api/v1/records/${form}/${id}`, { key: tenant.key });
  expect(response.status).toBe(200);
  return (await response.json<{ data: Record<string, unknown> }>()).data;
}

export async function expectNothingStored(tenant: TestTenant) {
  expect(await countRows("records", tenant.id)).toBe(0);
  expect(await countRows("events", tenant.id)).toBe(0);
  expect(await countRows("inbound_event_ids", tenant.id)).toBe(0);
}
