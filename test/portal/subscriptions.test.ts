import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { secretStore } from "../../src/secrets/secret-store";
import { call, createTenant, type TestTenant } from "../helpers";
import { createEntry, deliveryStub, startReceiver, subscribe, type Receiver } from "../delivery/harness";
import { PortalBrowser, pageText } from "./portal-client";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const webhook = async (tenant: TestTenant, id: string) => {
  const response = await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key });
  return { status: response.status, body: response.status === 200 ? await response.json<Record<string, unknown>>() : null };
};
const webhooks = async (tenant: TestTenant) =>
  (await (await call(tenant.slug, "/api/arsys/v1.0/webhook", { key: tenant.key })).json<{ entries: { webhook_id: string }[] }>()).entries;

const validForm = (url: string) => ({
  description: "Helpdesk changes",
  form_name: "HPD:Help Desk",
  entry_events: ["create", "update"],
  callback_url: url,
  condition: `'Status' != "Closed"`,
  auth_type: "BASIC",
  auth_username: "demo",
  auth_password: "s3cret",
  ordering: "record",
  dead_letter_policy: "block",
  format: "ar",
  payload_fields: "Status\nImpact",
  retry_delays_ms: "1000, 2000",
  max_attempts: "3",
  timeout_ms: "",
  custom_json: "",
  enabled: "on",
});

const idFrom = (location: string | null) => /\/subscriptions\/(WBH\d{12})/.exec(location ?? "")![1]!;

describe("portal: subscriptions", () => {
  it("creates a subscription through the form; the AR API has it, and the list shows it", async () => {
    const tenant = await createTenant("psub");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const form = await browser.get("/portal/subscriptions/new");
    expect(form.status).toBe(200);
    for (const label of ["Description", "Form name", "Callback URL", "Condition", "Ordering", "Dead-letter policy", "Authentication type"]) {
      expect(form.html).toMatch(new RegExp(`<label for="[a-z_]+">${label}</label>`));
    }
    const created = await browser.post("/portal/subscriptions", validForm("https://receiver.example/hook"));
    expect(created.status).toBe(303);
    const id = idFrom(created.location);
    const stored = await webhook(tenant, id);
    expect(stored.body).toMatchObject({
      description: "Helpdesk changes",
      form_name: "HPD:Help Desk",
      entry_events: ["create", "update"],
      condition: `'Status' != "Closed"`,
      ordering: "record",
      dead_letter_policy: "block",
      payload_fields: ["Status", "Impact"],
      retry_policy: { retryDelaysMs: [1000, 2000], maxAttempts: 3 },
      enabled: true,
      callback: { url: "https://receiver.example/hook", authentication: { type: "BASIC", username: "demo", password: "********" } },
    });
    const list = pageText((await browser.get("/portal/subscriptions")).html);
    expect(list).toContain(id);
    expect(list).toContain("HPD:Help Desk");
    expect(list).toContain("https://receiver.example/hook");
    expect(list).toContain("New subscription");
  });

  it("a validation error re-renders the form with 400, the API's message and the values typed; nothing is created", async () => {
    const tenant = await createTenant("psub");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/subscriptions/new");
    const response = await browser.post("/portal/subscriptions", { ...validForm("not a url"), description: "Typed by hand" });
    expect(response.status).toBe(400);
    const text = pageText(response.html);
    expect(text).toContain("callback.url");
    expect(text).toContain("must be an absolute http(s) URL");
    expect(response.html).toContain('value="Typed by hand"');
    expect(response.html).toContain('value="not a url"');
    expect(response.html).not.toContain("s3cret");
    expect(await webhooks(tenant)).toHaveLength(0);

    const noEvents = await browser.post("/portal/subscriptions", { ...validForm("https://receiver.example/hook"), entry_events: undefined });
    expect(noEvents.status).toBe(400);
    expect(pageText(noEvents.html)).toContain("needs at least one event");
    expect(await webhooks(tenant)).toHaveLength(0);
  });

  it("edits, keeping the stored password when the field is left blank (same URL only); an invalid edit changes nothing", async () => {
    const tenant = await createTenant("psub");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/subscriptions/new");
    const id = idFrom((await browser.post("/portal/subscriptions", validForm("https://receiver.example/hook"))).location);
    const page = await browser.get(`/portal/subscriptions/${id}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('value="Helpdesk changes"');
    expect(pageText(page.html)).toContain("Save subscription");
    const saved = await browser.post(`/portal/subscriptions/${id}`, { ...validForm("https://receiver.example/hook"), description: "Renamed", auth_password: "" });
    expect(saved.status).toBe(303);
    expect((await webhook(tenant, id)).body).toMatchObject({
      description: "Renamed",
      callback: { url: "https://receiver.example/hook", authentication: { type: "BASIC", password: "********" } },
    });
    // A new URL with the password left blank would send the stored password somewhere new: refused.
    const moved = await browser.post(`/portal/subscriptions/${id}`, { ...validForm("https://receiver.example/v2"), description: "Moved", auth_password: "" });
    expect(moved.status).toBe(400);
    expect(moved.html).toContain("callback.authentication.password");
    const invalid = await browser.post(`/portal/subscriptions/${id}`, { ...validForm("https://receiver.example/v3"), condition: "'Status' = " });
    expect(invalid.status).toBe(400);
    expect(invalid.html).toContain("https://receiver.example/v3");
    expect((await webhook(tenant, id)).body).toMatchObject({ description: "Renamed", callback: { url: "https://receiver.example/hook" } });
  });

  it("an edit that changes ordering while deliveries are open is refused with the API's message naming ordering; nothing changes", async () => {
    const tenant = await createTenant("psub");
    receiver = startReceiver(() => new Response("down", { status: 500 }));
    const id = await subscribe(tenant, { url: receiver.url, ordering: "subscription", retryDelaysMs: [60_000], maxAttempts: 3 });
    await createEntry(tenant, { n: 1 });
    await deliveryStub(tenant.id).pump(tenant.id);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    const edit = { ...validForm(receiver.url), form_name: "Widget", condition: "", auth_type: "NO_AUTH", auth_username: "", auth_password: "" };
    const refused = await browser.post(`/portal/subscriptions/${id}`, { ...edit, ordering: "record", description: "Reordered" });
    expect(refused.status).toBe(400);
    expect(pageText(refused.html)).toMatch(/ordering cannot change while deliveries are open/);
    expect((await webhook(tenant, id)).body).toMatchObject({ ordering: "subscription", description: null });
    expect((await browser.post(`/portal/subscriptions/${id}`, { ...edit, ordering: "subscription", description: "Same ordering" })).status).toBe(303);
    expect((await webhook(tenant, id)).body).toMatchObject({ ordering: "subscription", description: "Same ordering" });
  });

  it("creates a BEARER subscription through the form; the token is sealed, never echoed, and kept by a blank edit", async () => {
    const tenant = await createTenant("psub");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const form = await browser.get("/portal/subscriptions/new");
    for (const [name, label, type] of [["auth_token", "Bearer token", "BEARER"], ["auth_token_url", "Token URL", "OAUTH2"], ["auth_client_id", "Client ID", "OAUTH2"], ["auth_client_secret", "Client secret", "OAUTH2"], ["auth_scope", "Scope", "OAUTH2"]]) {
      expect(form.html).toContain(`<div data-show-for="auth_type=${type}"><label for="${name}">${label}</label>`);
    }
    const bearer = { ...validForm("https://receiver.example/bearer"), auth_type: "BEARER", auth_username: "", auth_password: "", auth_token: "portal-bearer-token" };
    const invalid = await browser.post("/portal/subscriptions", { ...bearer, callback_url: "not a url" });
    expect(invalid.status).toBe(400);
    expect(invalid.html).not.toContain("portal-bearer-token");
    const created = await browser.post("/portal/subscriptions", bearer);
    expect(created.status).toBe(303);
    const id = idFrom(created.location);
    expect((await webhook(tenant, id)).body).toMatchObject({ callback: { url: "https://receiver.example/bearer", authentication: { type: "BEARER", token: "********", password: null } } });
    const page = await browser.get(`/portal/subscriptions/${id}`);
    expect(page.html).not.toContain("portal-bearer-token");
    expect((await browser.post(`/portal/subscriptions/${id}`, { ...bearer, description: "Renamed", auth_token: "" })).status).toBe(303);
    const row = await env.DB.prepare("SELECT secret_ref FROM subscriptions WHERE id = ? AND tenant_id = ?").bind(id, tenant.id).first<{ secret_ref: string }>();
    expect(JSON.parse((await secretStore(env).get(tenant.id, row!.secret_ref))!)).toEqual({ token: "portal-bearer-token" });
  });

  it("disables and enables", async () => {
    const tenant = await createTenant("psub");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook", authentication: { type: "BASIC", username: "u", password: "p" } });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    expect(pageText((await browser.get(`/portal/subscriptions/${id}`)).html)).toContain("Disable");
    expect((await browser.post(`/portal/subscriptions/${id}/disable`)).status).toBe(303);
    expect((await webhook(tenant, id)).body).toMatchObject({ enabled: false, callback: { authentication: { password: "********" } } });
    expect(pageText((await browser.get(`/portal/subscriptions/${id}`)).html)).toMatch(/disabled .*Enable/);
    expect((await browser.post(`/portal/subscriptions/${id}/enable`)).status).toBe(303);
    expect((await webhook(tenant, id)).body).toMatchObject({ enabled: true });
  });

  it("rotates the signing secret and shows the new one once", async () => {
    const tenant = await createTenant("psub");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    const before = await (await call(tenant.slug, `/api/v1/subscriptions/${id}/secret`, { key: tenant.key })).json<{ key: string }>();
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    const rotated = await browser.post(`/portal/subscriptions/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const after = await (await call(tenant.slug, `/api/v1/subscriptions/${id}/secret`, { key: tenant.key })).json<{ key: string }>();
    expect(after.key).toMatch(/^whsec_/);
    expect(after.key).not.toBe(before.key);
    expect(rotated.html).toContain('<label for="new-signing-secret">New signing secret</label>');
    expect(rotated.html).toContain(`value="${after.key}"`);
    expect((await browser.get(`/portal/subscriptions/${id}`)).html).not.toContain(after.key);
  });

  it("sends a test and shows the attempt inline: 200 from a healthy receiver, 500 from a failing one", async () => {
    const tenant = await createTenant("psub");
    let healthy = true;
    receiver = startReceiver(() => (healthy ? new Response("all good here", { status: 200 }) : new Response("it broke", { status: 500 })));
    const id = await subscribe(tenant, { url: receiver.url });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    const ok = pageText((await browser.post(`/portal/subscriptions/${id}/test`)).html);
    expect(ok).toMatch(/Test result Status code 200 Latency \d+ ms/);
    expect(ok).toContain("all good here");
    healthy = false;
    const failed = pageText((await browser.post(`/portal/subscriptions/${id}/test`)).html);
    expect(failed).toMatch(/Test result Status code 500/);
    expect(failed).toContain("it broke");
    expect(receiver.received.map((request) => request.json.entry_event)).toEqual(["test", "test"]);
  });

  it("deletes, and links to the subscription's deliveries", async () => {
    const tenant = await createTenant("psub");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get(`/portal/subscriptions/${id}`);
    expect(page.html).toContain(`href="/portal/deliveries?subscription=${id}"`);
    expect(page.html).toMatch(/data-confirm="[^"]+"[^>]*>[\s\S]*?Delete<\/button>/);
    const deleted = await browser.post(`/portal/subscriptions/${id}/delete`);
    expect(deleted.status).toBe(303);
    expect((await webhook(tenant, id)).status).toBe(404);
  });

  it("works under the /t/{tenant} path form with links built from it", async () => {
    const tenant = await createTenant("psub");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    const browser = await new PortalBrowser(tenant.slug, `/t/${tenant.slug}`).signedIn(tenant.key);
    const list = await browser.get("/portal/subscriptions");
    expect(list.html).toContain(`href="/t/${tenant.slug}/portal/subscriptions/${id}"`);
    expect(list.html).toContain(`href="/t/${tenant.slug}/portal/subscriptions/new"`);
  });

  describe("security", () => {
    it("without a session every page and action sends to sign-in", async () => {
      const tenant = await createTenant("psub");
      const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
      const browser = new PortalBrowser(tenant.slug);
      for (const path of ["/portal/subscriptions", "/portal/subscriptions/new", `/portal/subscriptions/${id}`]) {
        const response = await browser.get(path);
        expect(response.status, path).toBe(303);
        expect(response.location, path).toMatch(/^\/portal\/login/);
      }
      const posted = await browser.post(`/portal/subscriptions/${id}/delete`, { _csrf: "x" });
      expect(posted.status).toBe(303);
      expect(posted.location).toMatch(/^\/portal\/login/);
      expect((await webhook(tenant, id)).status).toBe(200);
    });

    it("another tenant's session can neither see nor change this tenant's subscription", async () => {
      const tenant = await createTenant("psub");
      const other = await createTenant("psub");
      receiver = startReceiver();
      const id = await subscribe(tenant, { url: receiver.url });
      const before = await webhook(tenant, id);
      const browser = await new PortalBrowser(other.slug).signedIn(other.key);
      const page = await browser.get(`/portal/subscriptions/${id}`);
      expect(page.status).toBe(404);
      expect(page.html).not.toContain(receiver.url);
      for (const action of ["", "/disable", "/test", "/rotate-secret", "/replay", "/delete"]) {
        const response = await browser.post(`/portal/subscriptions/${id}${action}`, { ...validForm("https://evil.example/hook"), since: "0" });
        expect(response.status, action).toBe(303);
        expect(new URL(response.location ?? "", "http://x").searchParams.get("error"), action).toContain("No webhook");
      }
      expect(await webhook(tenant, id)).toEqual(before);
      expect(receiver.received).toHaveLength(0);
      expect(pageText((await browser.get("/portal/subscriptions")).html)).not.toContain(id);
    });
  });
});
