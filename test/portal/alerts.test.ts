import { describe, expect, it } from "vitest";
import { call, createTenant, shardOf, type TestTenant } from "../helpers";
import { database } from "../../src/db/client";
import { recordOperationalEvents, type OperationalEvent } from "../../src/operations/operational-event-store";
import { PortalBrowser, flashOf, pageText } from "./portal-client";

const ALL_TYPES = ["delivery.dead_lettered", "stream.blocked", "subscription.disabled", "subscription.circuit_opened", "subscription.recovered", "lifecycle_hook.failed"];

async function seed(tenant: TestTenant, events: Omit<OperationalEvent, "tenantId">[]) {
  await recordOperationalEvents(database(await shardOf(tenant.id)), events.map((event) => ({ ...event, tenantId: tenant.id })));
}

const operationalWebhook = async (tenant: TestTenant) => {
  const response = await call(tenant.slug, "/api/v1/operational-webhook", { key: tenant.key });
  return { status: response.status, body: response.status === 200 ? await response.json<{ url: string; events: string[] }>() : null };
};
const currentSecret = async (tenant: TestTenant) =>
  (await (await call(tenant.slug, "/api/v1/operational-webhook/secret", { key: tenant.key })).json<{ secret: string }>()).secret;
const shownSecret = (html: string) => /id="operational-webhook-secret" type="text" readonly="" value="([^"]+)"/.exec(html)?.[1];

describe("portal: alerts", () => {
  it("is in the navigation; with no events and no webhook it says so", async () => {
    const tenant = await createTenant("palerts");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    expect((await browser.get("/portal")).html).toContain('<a href="/portal/alerts">Alerts</a>');
    const page = await browser.get("/portal/alerts");
    expect(page.status).toBe(200);
    expect(page.html).toContain('<a href="/portal/alerts" aria-current="page">Alerts</a>');
    const text = pageText(page.html);
    expect(text).toContain("No operational events yet.");
    expect(text).toContain("No operational webhook is set");
    expect(text).toContain("Save operational webhook");
    expect(text).not.toContain("Delete operational webhook");
  });

  it("lists the tenant's events newest first, each with its type and a one-line summary linking the subscription and delivery", async () => {
    const tenant = await createTenant("palerts");
    const other = await createTenant("palerts");
    const now = Date.now();
    await seed(tenant, [
      { id: "ope_1", type: "delivery.dead_lettered", occurredAt: now - 2_000, data: { subscriptionId: "WBH000000000007", deliveryId: "msg_3_WBH000000000007", eventSeq: 3, attempts: 1, lastStatus: 500, lastError: null } },
      { id: "ope_2", type: "subscription.disabled", occurredAt: now - 1_000, data: { subscriptionId: "WBH000000000007", reason: "The receiver answered 410 Gone" } },
      { id: "ope_3", type: "lifecycle_hook.failed", occurredAt: now, data: { hook: "post-create", reason: "unavailable", lastError: "x".repeat(400) } },
    ]);
    await seed(other, [{ id: "ope_other", type: "stream.blocked", occurredAt: now, data: { subscriptionId: "WBH000000000099" } }]);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get("/portal/alerts");
    const rows = pageText(page.html.slice(page.html.indexOf("<tbody>"), page.html.indexOf("</tbody>"))).split(/(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^\S+ \S+ Lifecycle hook failed lifecycle_hook\.failed Hook post-create · reason: unavailable · error: x{159}…/);
    expect(rows[1]).toContain("Subscription disabled subscription.disabled Subscription WBH000000000007 · reason: The receiver answered 410 Gone");
    expect(rows[2]).toContain("Delivery dead-lettered delivery.dead_lettered Subscription WBH000000000007 · delivery msg_3_WBH000000000007 · event 3 · 1 attempt(s) · last status 500");
    expect(page.html).toContain('href="/portal/subscriptions/WBH000000000007"');
    expect(page.html).toContain('href="/portal/deliveries/msg_3_WBH000000000007"');
    expect(page.html).not.toContain("WBH000000000099");
  });

  it("sets the operational webhook: the first save shows its signing secret once; a later save keeps it and says saved", async () => {
    const tenant = await createTenant("palerts");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/alerts");
    const first = await browser.post("/portal/alerts/webhook", { url: "https://ops.example/hook", events: ALL_TYPES });
    expect(first.status).toBe(200);
    const secret = await currentSecret(tenant);
    expect(secret).toMatch(/^whsec_/);
    expect(shownSecret(first.html)).toBe(secret);
    expect(first.html).toContain('data-canonical-url="/portal/alerts"');
    expect(await operationalWebhook(tenant)).toMatchObject({ status: 200, body: { url: "https://ops.example/hook", events: ALL_TYPES } });
    const page = await browser.get("/portal/alerts");
    expect(page.html).not.toContain(secret);
    expect(pageText(page.html)).toContain("These events are also sent to https://ops.example/hook , all types");

    const second = await browser.post("/portal/alerts/webhook", { url: "https://ops.example/v2", events: ["delivery.dead_lettered", "subscription.disabled"] });
    expect(second.status).toBe(303);
    expect(flashOf(second.location, "notice")).toBe("Operational webhook saved.");
    expect(await operationalWebhook(tenant)).toMatchObject({ body: { url: "https://ops.example/v2", events: ["delivery.dead_lettered", "subscription.disabled"] } });
    expect(await currentSecret(tenant)).toBe(secret);
    const after = await browser.get("/portal/alerts");
    expect(pageText(after.html)).toContain("sent to https://ops.example/v2 , delivery.dead_lettered, subscription.disabled");
    expect(after.html).toMatch(/id="operational-event-delivery\.dead_lettered" name="events" value="delivery\.dead_lettered" checked/);
    expect(after.html).not.toMatch(/id="operational-event-stream\.blocked" name="events" value="stream\.blocked" checked/);
  });

  it("a refused save shows the API's message with the typed values; nothing is stored", async () => {
    const tenant = await createTenant("palerts");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/alerts");
    const badUrl = await browser.post("/portal/alerts/webhook", { url: "ftp://ops.example/hook", events: ["stream.blocked"] });
    expect(badUrl.status).toBe(400);
    expect(pageText(badUrl.html)).toContain("url");
    expect(badUrl.html).toContain('value="ftp://ops.example/hook"');
    expect(badUrl.html).toMatch(/value="stream\.blocked" checked/);
    const noEvents = await browser.post("/portal/alerts/webhook", { url: "https://ops.example/hook" });
    expect(noEvents.status).toBe(400);
    expect(pageText(noEvents.html)).toContain("events");
    expect((await operationalWebhook(tenant)).status).toBe(404);
  });

  it("rotates the signing secret, showing the new one once, and deletes the webhook", async () => {
    const tenant = await createTenant("palerts");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/alerts");
    await browser.post("/portal/alerts/webhook", { url: "https://ops.example/hook", events: ALL_TYPES });
    const before = await currentSecret(tenant);
    const rotated = await browser.post("/portal/alerts/webhook/rotate-secret");
    expect(rotated.status).toBe(200);
    const after = await currentSecret(tenant);
    expect(after).not.toBe(before);
    expect(shownSecret(rotated.html)).toBe(after);
    const deleted = await browser.post("/portal/alerts/webhook/delete");
    expect(deleted.status).toBe(303);
    expect(flashOf(deleted.location, "notice")).toBe("Operational webhook deleted.");
    expect((await operationalWebhook(tenant)).status).toBe(404);
    const again = await browser.post("/portal/alerts/webhook/delete");
    expect(flashOf(again.location, "error")).toMatch(/\(NOT_FOUND\)$/);
  });

  it("two first saves racing each other leave one webhook, and any secret shown is the one that signs", async () => {
    const tenant = await createTenant("palerts");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/alerts");
    const answers = await Promise.all([
      browser.post("/portal/alerts/webhook", { url: "https://ops.example/a", events: ALL_TYPES }),
      browser.post("/portal/alerts/webhook", { url: "https://ops.example/b", events: ALL_TYPES }),
    ]);
    for (const answer of answers) expect([200, 303]).toContain(answer.status);
    const stored = await operationalWebhook(tenant);
    expect(["https://ops.example/a", "https://ops.example/b"]).toContain(stored.body?.url);
    const secret = await currentSecret(tenant);
    for (const answer of answers) if (shownSecret(answer.html)) expect(shownSecret(answer.html)).toBe(secret);
  });

  describe("security", () => {
    it("without a session the page and its actions send to sign-in; a post without the CSRF field is refused", async () => {
      const tenant = await createTenant("palerts");
      const anonymous = new PortalBrowser(tenant.slug);
      expect((await anonymous.get("/portal/alerts")).location).toMatch(/^\/portal\/login/);
      for (const action of ["/portal/alerts/webhook", "/portal/alerts/webhook/rotate-secret", "/portal/alerts/webhook/delete"]) {
        const posted = await anonymous.post(action, { _csrf: "x", url: "https://ops.example/hook" });
        expect(posted.status, action).toBe(303);
        expect(posted.location, action).toMatch(/^\/portal\/login/);
      }
      const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
      expect((await browser.post("/portal/alerts/webhook", { _csrf: undefined, url: "https://ops.example/hook" })).status).toBe(403);
      expect((await operationalWebhook(tenant)).status).toBe(404);
    });

    it("one tenant's session neither sees nor changes another tenant's webhook", async () => {
      const tenant = await createTenant("palerts");
      const other = await createTenant("palerts");
      const owner = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
      await owner.get("/portal/alerts");
      await owner.post("/portal/alerts/webhook", { url: "https://ops.example/owner", events: ALL_TYPES });
      const browser = await new PortalBrowser(other.slug).signedIn(other.key);
      expect(pageText((await browser.get("/portal/alerts")).html)).toContain("No operational webhook is set");
      expect(flashOf((await browser.post("/portal/alerts/webhook/delete")).location, "error")).toMatch(/NOT_FOUND/);
      expect(await operationalWebhook(tenant)).toMatchObject({ status: 200, body: { url: "https://ops.example/owner" } });
    });
  });
});
