import type { DestinationView } from "../../src/inbound/optimalcloud/provisioning-destinations";
import { describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { PortalBrowser, pageText } from "./portal-client";

const PATH = "/api/v1/provisioning-destinations";

type Destination = DestinationView;

const createDestination = async (tenant: TestTenant, json: { name: string; type: string }) =>
  (await call(tenant.slug, PATH, { key: tenant.key, json })).json<Destination>();
const listDestinations = async (tenant: TestTenant) => (await (await call(tenant.slug, PATH, { key: tenant.key })).json<{ items: Destination[] }>()).items;

/** The value of the input with this id (a CopyField). */
const inputValue = (html: string, id: string): string | undefined => new RegExp(`<input id="${id}" type="text" readonly="" value="([^"]*)"`).exec(html)?.[1];

describe("portal provisioning destinations", () => {
  it("lists each destination with its three copyable URLs, matching the API's", async () => {
    const tenant = await createTenant("dest-list");
    const workday = await createDestination(tenant, { name: "Workday", type: "generic" });
    const paylocity = await createDestination(tenant, { name: "Paylocity", type: "paylocity" });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get("/portal/destinations");
    expect(page.status).toBe(200);
    const text = pageText(page.html);
    expect(text).toContain("Workday");
    expect(text).toContain(paylocity.plugin_id);
    for (const destination of [workday, paylocity]) {
      expect(inputValue(page.html, `adduser-${destination.plugin_id}`)).toBe(destination.webhooks.adduser);
      expect(inputValue(page.html, `modifyuser-${destination.plugin_id}`)).toBe(destination.webhooks.modifyuser);
      expect(inputValue(page.html, `deleteuser-${destination.plugin_id}`)).toBe(destination.webhooks.deleteuser);
      expect(page.html).toContain(`<label for="adduser-${destination.plugin_id}">Add user URL</label>`);
      expect(page.html).toContain(`<label for="modifyuser-${destination.plugin_id}">Modify user URL</label>`);
      expect(page.html).toContain(`<label for="deleteuser-${destination.plugin_id}">Delete user URL</label>`);
      expect(page.html).toContain(`data-copy="adduser-${destination.plugin_id}"`);
    }
    expect(workday.webhooks.adduser).toMatch(new RegExp(`^http://${tenant.slug}\\..+/webhooks/provisioning/${workday.plugin_id}/adduser$`));
  });

  it("creates a destination through the API and shows it", async () => {
    const tenant = await createTenant("dest-create");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const empty = await browser.get("/portal/destinations");
    expect(pageText(empty.html)).toContain("No provisioning destinations yet");
    const created = await browser.post("/portal/destinations", { name: "BambooHR", type: "paylocity" });
    expect(created.status).toBe(303);
    expect(created.location).toContain("/portal/destinations?notice=");
    const [destination] = await listDestinations(tenant);
    expect(destination).toMatchObject({ name: "BambooHR", type: "paylocity" });
    const page = await browser.get("/portal/destinations");
    expect(inputValue(page.html, `deleteuser-${destination!.plugin_id}`)).toBe(destination!.webhooks.deleteuser);
  });

  it("invalid input shows the API's message with 400, keeps the name and creates nothing", async () => {
    const tenant = await createTenant("dest-bad");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/destinations");
    const badType = await browser.post("/portal/destinations", { name: "Kept name", type: "workday" });
    expect(badType.status).toBe(400);
    expect(pageText(badType.html)).toContain("VALIDATION_FAILED");
    expect(pageText(badType.html)).toContain("type");
    expect(badType.html).toContain('value="Kept name"');
    const noName = await browser.post("/portal/destinations", { name: "  ", type: "generic" });
    expect(noName.status).toBe(400);
    expect(pageText(noName.html)).toContain("name");
    expect(await listDestinations(tenant)).toEqual([]);
  });

  it("deletes a destination through the API", async () => {
    const tenant = await createTenant("dest-delete");
    const destination = await createDestination(tenant, { name: "Old HR", type: "generic" });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get("/portal/destinations");
    expect(page.html).toContain(`action="/portal/destinations/${destination.plugin_id}/delete" class="inline" data-confirm=`);
    const deleted = await browser.post(`/portal/destinations/${destination.plugin_id}/delete`);
    expect(deleted.status).toBe(303);
    expect(deleted.location).toContain("notice=");
    expect((await call(tenant.slug, `${PATH}/${destination.plugin_id}`, { key: tenant.key })).status).toBe(404);
    expect(pageText((await browser.get("/portal/destinations")).html)).not.toContain(destination.plugin_id);
  });
});

describe("portal provisioning destinations security", () => {
  it("no session goes to sign-in and creates nothing", async () => {
    const tenant = await createTenant("dest-anon");
    const browser = new PortalBrowser(tenant.slug);
    const page = await browser.get("/portal/destinations");
    expect(page.status).toBe(303);
    expect(page.location).toContain("/portal/login");
    expect((await browser.post("/portal/destinations", { _csrf: "x", name: "x", type: "generic" })).status).toBe(303);
    expect(await listDestinations(tenant)).toEqual([]);
  });

  it("another tenant's destination is neither shown nor deleted", async () => {
    const victim = await createTenant("dest-victim");
    const attacker = await createTenant("dest-attacker");
    const destination = await createDestination(victim, { name: "Victim HR", type: "generic" });
    const browser = await new PortalBrowser(attacker.slug).signedIn(attacker.key);
    expect(pageText((await browser.get("/portal/destinations")).html)).not.toContain("Victim HR");
    const deleted = await browser.post(`/portal/destinations/${destination.plugin_id}/delete`);
    expect(deleted.status).toBe(303);
    expect(deleted.location).toContain("error=");
    expect((await call(victim.slug, `${PATH}/${destination.plugin_id}`, { key: victim.key })).status).toBe(200);
  });
});
