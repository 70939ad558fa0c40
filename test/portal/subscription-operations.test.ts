import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { disableSubscription } from "../../src/subscriptions/subscription-store";
import { call, createTenant, type TestTenant } from "../helpers";
import { subscribe } from "../delivery/harness";
import { plainSubscriptionForm } from "./plain-subscription-form";
import { PortalBrowser, pageText } from "./portal-client";

const webhook = async (tenant: TestTenant, id: string) =>
  (await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key })).json<Record<string, unknown>>();

const form = (url: string) => ({ ...plainSubscriptionForm(url, "Operations"), transformation: "" });

/** What the delivery engine does after a 410 (drain.ts → control-plane.ts), without a receiver. */
async function disabledByEngine(tenant: TestTenant, id: string, reason: string) {
  const updatedAt = (await env.DB.prepare("SELECT updated_at FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first<{ updated_at: number }>())!.updated_at;
  await disableSubscription(database(env.DB), tenant.id, id, reason, updatedAt);
}

const idFrom = (location: string | null) => /\/subscriptions\/(WBH\d{12})/.exec(location ?? "")![1]!;

describe("portal: rate limit and auto-disable", () => {
  it("the new form offers both, unlimited and 120 hours by default; what is typed is saved and shown again", async () => {
    const tenant = await createTenant("pops");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const blank = await browser.get("/portal/subscriptions/new");
    expect(blank.html).toMatch(/<label for="rate_limit_per_second">Rate limit \(callbacks per second\)<\/label><input id="rate_limit_per_second" name="rate_limit_per_second" type="text" value=""/);
    expect(blank.html).toMatch(/<label for="disable_after_failing_hours">Disable after failing for \(hours\)<\/label><input id="disable_after_failing_hours" name="disable_after_failing_hours" type="text" value="120"/);
    const created = await browser.post("/portal/subscriptions", { ...form("https://receiver.example/hook"), rate_limit_per_second: "5", disable_after_failing_hours: "0" });
    expect(created.status).toBe(303);
    const id = idFrom(created.location);
    expect(await webhook(tenant, id)).toMatchObject({ rate_limit_per_second: 5, disable_after_failing_hours: 0 });
    const page = await browser.get(`/portal/subscriptions/${id}`);
    expect(page.html).toContain('name="rate_limit_per_second" type="text" value="5"');
    expect(page.html).toContain('name="disable_after_failing_hours" type="text" value="0"');

    expect((await browser.post(`/portal/subscriptions/${id}`, { ...form("https://receiver.example/hook"), rate_limit_per_second: "1000", disable_after_failing_hours: "48" })).status).toBe(303);
    expect(await webhook(tenant, id)).toMatchObject({ rate_limit_per_second: 1000, disable_after_failing_hours: 48 });
    // Blank boxes are sent as such, not left out (which would keep the stored values): unlimited, and the default.
    expect((await browser.post(`/portal/subscriptions/${id}`, { ...form("https://receiver.example/hook"), rate_limit_per_second: " ", disable_after_failing_hours: "" })).status).toBe(303);
    expect(await webhook(tenant, id)).toMatchObject({ rate_limit_per_second: null, disable_after_failing_hours: 120 });
  });

  it("out-of-range values are refused with the API's messages naming the field, the typed values kept; nothing changes", async () => {
    const tenant = await createTenant("pops");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/subscriptions/new");
    const id = idFrom((await browser.post("/portal/subscriptions", { ...form("https://receiver.example/hook"), rate_limit_per_second: "10" })).location);
    const before = await webhook(tenant, id);
    for (const [field, value, message] of [
      ["rate_limit_per_second", "0", "must be at least 1"],
      ["rate_limit_per_second", "1001", "must be at most 1000"],
      ["rate_limit_per_second", "fast", "must be a whole number"],
      ["disable_after_failing_hours", "-1", "must be 0 (never) or more"],
      ["disable_after_failing_hours", "8761", "must be at most 8760"],
    ] as const) {
      const refused = await browser.post(`/portal/subscriptions/${id}`, { ...form("https://receiver.example/hook"), description: "Refused", [field]: value });
      expect(refused.status, `${field}=${value}`).toBe(400);
      const text = pageText(refused.html);
      expect(text, `${field}=${value}`).toContain(field);
      expect(text, `${field}=${value}`).toContain(message);
      expect(refused.html, `${field}=${value}`).toContain(`name="${field}" type="text" value="${value}"`);
    }
    expect(await webhook(tenant, id)).toEqual(before);
  });
});

describe("portal: a subscription Hookgate disabled", () => {
  it("shows the reason, that deliveries are held, and a Re-enable button instead of Disable; the list says disabled", async () => {
    const tenant = await createTenant("pops");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    await disabledByEngine(tenant, id, "The receiver answered 410 Gone");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get(`/portal/subscriptions/${id}`);
    const text = pageText(page.html);
    expect(text).toContain("Disabled by Hookgate: The receiver answered 410 Gone. Its deliveries are held.");
    expect(text).toContain("Saving the settings, or Re-enable, enables it again");
    expect(text).toMatch(/State disabled/);
    expect(page.html).toContain('<button type="submit">Re-enable</button>');
    expect(page.html).not.toContain('<button type="submit">Disable</button>');
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
