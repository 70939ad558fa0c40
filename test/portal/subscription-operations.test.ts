import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { disableSubscription } from "../../src/subscriptions/subscription-store";
import { call, createTenant, type TestTenant } from "../helpers";
import { subscribe } from "../delivery/harness";
import { PortalBrowser, pageText } from "./portal-client";

const webhook = async (tenant: TestTenant, id: string) =>
  (await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key })).json<Record<string, unknown>>();

const form = (url: string) => ({
  description: "Operations",
  form_name: "Widget",
  entry_events: ["create", "update"],
  callback_url: url,
  condition: "",
  auth_type: "NO_AUTH",
  ordering: "subscription",
  dead_letter_policy: "skip",
  format: "ar",
  payload_fields: "",
  retry_delays_ms: "",
  max_attempts: "",
  timeout_ms: "",
  custom_json: "",
  transformation: "",
});

/** What the delivery engine does after a 410 (drain.ts → control-plane.ts), without a receiver. */
async function disabledByEngine(tenant: TestTenant, id: string, reason: string) {
  const updatedAt = (await env.DB.prepare("SELECT updated_at FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first<{ updated_at: number }>())!.updated_at;
  await disableSubscription(database(env.DB), tenant.id, id, reason, updatedAt);
}

describe("portal: a subscription Hookgate disabled", () => {
  it("shows the reason, that deliveries are held, and a Re-enable button instead of Disable; the list says disabled", async () => {
    const tenant = await createTenant("pops");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    await disabledByEngine(tenant, id, "The receiver answered 410 Gone");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const text = pageText((await browser.get(`/portal/subscriptions/${id}`)).html);
    expect(text).toContain("Disabled by Hookgate: The receiver answered 410 Gone. Its deliveries are held.");
    expect(text).toContain("Saving the settings, or Re-enable, enables it again");
    expect(text).toMatch(/State disabled/);
    expect(text).toContain("Re-enable");
    expect(text).not.toMatch(/\bDisable\b/);
    const list = pageText((await browser.get("/portal/subscriptions")).html);
    expect(list).toMatch(new RegExp(`${id} .* disabled The receiver answered 410 Gone`));
  });

  it("Re-enable clears the reason", async () => {
    const tenant = await createTenant("pops");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    await disabledByEngine(tenant, id, "The receiver answered 410 Gone");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    expect((await browser.post(`/portal/subscriptions/${id}/enable`)).status).toBe(303);
    expect(await webhook(tenant, id)).toMatchObject({ enabled: true, disabled_reason: null });
    expect(pageText((await browser.get(`/portal/subscriptions/${id}`)).html)).not.toContain("Disabled by Hookgate");
  });

  it("saving the settings clears the reason too", async () => {
    const tenant = await createTenant("pops");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    await disabledByEngine(tenant, id, "The receiver answered 410 Gone");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    expect((await browser.post(`/portal/subscriptions/${id}`, form("https://receiver.example/hook"))).status).toBe(303);
    expect(await webhook(tenant, id)).toMatchObject({ enabled: true, disabled_reason: null, description: "Operations" });
  });
});
