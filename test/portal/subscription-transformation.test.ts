import { describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { subscribe } from "../delivery/harness";
import { plainSubscriptionForm } from "./plain-subscription-form";
import { PortalBrowser, pageText } from "./portal-client";

const webhook = async (tenant: TestTenant, id: string) =>
  (await call(tenant.slug, `/api/arsys/v1.0/webhook/${id}`, { key: tenant.key })).json<Record<string, unknown>>();

const form = (url: string, transformation: string) => ({ ...plainSubscriptionForm(url, "Transformed"), transformation, enabled: "on" });

const TEMPLATE = '{"kind": {{ event.type | tojson }}, "webhook": {{ subscription.id | tojson }}}';
const idFrom = (location: string | null) => /\/subscriptions\/(WBH\d{12})/.exec(location ?? "")![1]!;
const textarea = (html: string) => /<textarea id="transformation"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1];

describe("portal: subscription transformation", () => {
  it("the form saves the template as typed (newlines as LF), shows it again, and a blank box clears it", async () => {
    const tenant = await createTenant("ptrans");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const blank = await browser.get("/portal/subscriptions/new");
    expect(blank.html).toContain('<label for="transformation">Transformation</label>');
    // No stored subscription yet, so nothing to dry-run against.
    expect(pageText(blank.html)).not.toContain("Dry run");
    const typed = `{"kind": {{ event.type | tojson }},\r\n "webhook": {{ subscription.id | tojson }}}`;
    const created = await browser.post("/portal/subscriptions", form("https://receiver.example/hook", typed));
    expect(created.status).toBe(303);
    const id = idFrom(created.location);
    const stored = `{"kind": {{ event.type | tojson }},\n "webhook": {{ subscription.id | tojson }}}`;
    expect((await webhook(tenant, id)).transformation).toBe(stored);

    const page = await browser.get(`/portal/subscriptions/${id}`);
    expect(textarea(page.html)).toBe(`\n${stored.replace(/"/g, "&quot;")}`);
    expect(pageText(page.html)).toContain("Dry run");

    // An edit that leaves the box as shown keeps it; emptying the box clears it.
    expect((await browser.post(`/portal/subscriptions/${id}`, { ...form("https://receiver.example/hook", stored), description: "Renamed" })).status).toBe(303);
    expect(await webhook(tenant, id)).toMatchObject({ description: "Renamed", transformation: stored });
    expect((await browser.post(`/portal/subscriptions/${id}`, form("https://receiver.example/hook", "  \r\n"))).status).toBe(303);
    expect((await webhook(tenant, id)).transformation).toBeNull();
  });

  it("a template that does not parse is refused with the API's message naming transformation; nothing changes", async () => {
    const tenant = await createTenant("ptrans");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook", transformation: TEMPLATE });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    const refused = await browser.post(`/portal/subscriptions/${id}`, form("https://receiver.example/hook", "{{ event.type "));
    expect(refused.status).toBe(400);
    expect(pageText(refused.html)).toContain("transformation");
    expect(textarea(refused.html)).toBe("\n{{ event.type ");
    expect((await webhook(tenant, id)).transformation).toBe(TEMPLATE);
  });

  it("Dry run renders the template as typed over a sample event and saves nothing, the form keeping what was typed", async () => {
    const tenant = await createTenant("ptrans");
    // A payload field gives the sample update a changed field, so the format has something to send for it.
    const id = await subscribe(tenant, { url: "https://receiver.example/hook", payloadFields: ["Status"] });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    const before = await webhook(tenant, id);
    const tried = await browser.post(`/portal/subscriptions/${id}/transformation/dry-run`, { ...form("https://receiver.example/elsewhere", TEMPLATE), description: "Not saved" });
    expect(tried.status).toBe(200);
    const text = pageText(tried.html);
    expect(text).toContain("Dry run");
    expect(text).toContain(`"kind": "create"`);
    expect(text).toContain(`"webhook": "${id}"`);
    expect(tried.html).toContain('value="Not saved"');
    expect(tried.html).toContain(`data-canonical-url="/portal/subscriptions/${id}"`);
    expect(await webhook(tenant, id)).toEqual(before);

    // The sample event's type is chosen next to the button, and stays chosen.
    const asUpdate = await browser.post(`/portal/subscriptions/${id}/transformation/dry-run`, { ...form("https://receiver.example/hook", TEMPLATE), dry_run_event: "update" });
    expect(pageText(asUpdate.html)).toContain(`"kind": "update"`);
    expect(pageText(asUpdate.html)).toContain("for a sample update event");
    expect(asUpdate.html).toContain('<option value="update" selected="">A sample update</option>');
    const unknown = await browser.post(`/portal/subscriptions/${id}/transformation/dry-run`, { ...form("https://receiver.example/hook", TEMPLATE), dry_run_event: "explode" });
    expect(pageText(unknown.html)).toContain(`"kind": "create"`);
  });

  it("Dry run shows a failing template's message, and an empty box is refused without calling the template", async () => {
    const tenant = await createTenant("ptrans");
    // A stored template: the empty box must not quietly try it instead.
    const id = await subscribe(tenant, { url: "https://receiver.example/hook", transformation: TEMPLATE });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    const failed = await browser.post(`/portal/subscriptions/${id}/transformation/dry-run`, form("https://receiver.example/hook", '{{ raise_exception("no ticket here") }}'));
    expect(failed.status).toBe(400);
    expect(pageText(failed.html)).toMatch(/The template failed: .*no ticket here.*TEMPLATE_FAILED/);
    const empty = await browser.post(`/portal/subscriptions/${id}/transformation/dry-run`, form("https://receiver.example/hook", ""));
    expect(empty.status).toBe(400);
    expect(pageText(empty.html)).toContain("The Transformation field is empty");
    expect(pageText(empty.html)).not.toContain(`"kind"`);
    expect((await webhook(tenant, id)).transformation).toBe(TEMPLATE);
  });

  it("a dry run racing a save changes nothing the save did not", async () => {
    const tenant = await createTenant("ptrans");
    const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/subscriptions/${id}`);
    const [tried, saved] = await Promise.all([
      browser.post(`/portal/subscriptions/${id}/transformation/dry-run`, { ...form("https://receiver.example/hook", '{"tried": true}'), description: "Tried" }),
      browser.post(`/portal/subscriptions/${id}`, { ...form("https://receiver.example/hook", TEMPLATE), description: "Saved" }),
    ]);
    expect(tried.status).toBe(200);
    expect(saved.status).toBe(303);
    expect(await webhook(tenant, id)).toMatchObject({ description: "Saved", transformation: TEMPLATE });
  });

  describe("security", () => {
    it("a dry run needs a session and the CSRF field", async () => {
      const tenant = await createTenant("ptrans");
      const id = await subscribe(tenant, { url: "https://receiver.example/hook" });
      const anonymous = await new PortalBrowser(tenant.slug).post(`/portal/subscriptions/${id}/transformation/dry-run`, { _csrf: "x", transformation: TEMPLATE });
      expect(anonymous.status).toBe(303);
      expect(anonymous.location).toMatch(/^\/portal\/login/);
      const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
      const forged = await browser.post(`/portal/subscriptions/${id}/transformation/dry-run`, { _csrf: undefined, transformation: TEMPLATE });
      expect(forged.status).toBe(403);
      expect(pageText(forged.html)).not.toContain(`"kind"`);
    });

    it("another tenant's session cannot dry-run this tenant's subscription or see it", async () => {
      const tenant = await createTenant("ptrans");
      const other = await createTenant("ptrans");
      const id = await subscribe(tenant, { url: "https://receiver.example/secret-hook", transformation: TEMPLATE });
      const browser = await new PortalBrowser(other.slug).signedIn(other.key);
      const tried = await browser.post(`/portal/subscriptions/${id}/transformation/dry-run`, form("https://receiver.example/hook", TEMPLATE));
      expect(tried.status).toBe(404);
      expect(tried.html).not.toContain("secret-hook");
      expect(pageText(tried.html)).not.toContain(`"webhook"`);
    });
  });
});
