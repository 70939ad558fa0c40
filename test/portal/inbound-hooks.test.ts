import { describe, expect, it } from "vitest";
import { call, countRows, createTenant, type TestTenant } from "../helpers";
import { HOOKS, createHook, type HookView } from "../inbound/configurable/hook-helpers";
import { PortalBrowser, pageText } from "./portal-client";

const OKTA = { preset: "okta-event-hook", auth: { kind: "header_secret", headerName: "Authorization", secret: "okta-shared-secret-1" } };

const readHook = async (tenant: TestTenant, id: string) => call(tenant.slug, `${HOOKS}/${id}`, { key: tenant.key });
const listHooks = async (tenant: TestTenant) => (await (await call(tenant.slug, HOOKS, { key: tenant.key })).json<{ items: HookView[] }>()).items;

/** The value of the input a label points at (CopyField and form inputs). */
function inputValue(html: string, id: string): string | undefined {
  const match = new RegExp(`<input[^>]*id="${id}"[^>]*value="([^"]*)"`).exec(html) ?? new RegExp(`<input[^>]*value="([^"]*)"[^>]*id="${id}"`).exec(html);
  return match?.[1]?.replace(/&amp;/g, "&");
}

/** The hook page's edit form as it loads for this hook. */
const editForm = (hook: HookView) => ({
  name: hook.name,
  auth_kind: hook.auth.kind,
  header_name: hook.auth.headerName ?? "",
  secret: "",
  event: hook.event,
  form: hook.form,
  sync_keys: hook.syncKeys.join(", "),
  template: hook.template,
  sample_body: "",
});

const genericHmacForm = (overrides: Record<string, string> = {}) => ({
  name: "HR feed",
  preset: "generic-hmac",
  auth_kind: "hmac",
  header_name: "X-Signature",
  algorithm: "sha256",
  encoding: "hex",
  prefix: "",
  secret: "",
  event: "create",
  form: "User",
  sync_keys: "email",
  template: '{"email": {{ body.email | tojson }}, "first_name": {{ body.first_name | tojson }}}',
  sample_body: '{"email": "sam.lee@example.com", "first_name": "Sam"}',
  ...overrides,
});

describe("portal inbound hooks", () => {
  it("lists the tenant's hooks with preset, authentication and a copyable receiving URL each", async () => {
    const tenant = await createTenant("ih-list");
    const okta = await createHook(tenant, { name: "Okta users", ...OKTA });
    const github = await createHook(tenant, { name: "GitHub org", preset: "github" });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get("/portal/inbound-hooks");
    expect(page.status).toBe(200);
    const text = pageText(page.html);
    expect(text).toContain("Okta users");
    expect(text).toContain("Okta event hook");
    expect(text).toContain("Header secret");
    expect(text).toContain("HMAC signature");
    expect(inputValue(page.html, `url-${okta.id}`)).toBe(okta.url);
    expect(inputValue(page.html, `url-${github.id}`)).toBe(github.url);
    expect(page.html).toContain(`data-copy="url-${okta.id}"`);
    expect(page.html).toContain('href="/portal/inbound-hooks/new"');
  });

  it("the new-hook page offers every preset and pre-fills the form from the chosen one", async () => {
    const tenant = await createTenant("ih-new");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const presets = (await (await call(tenant.slug, `${HOOKS}/presets`, { key: tenant.key })).json<{ items: { id: string; name: string; template: string }[] }>()).items;
    const page = await browser.get("/portal/inbound-hooks/new");
    expect(page.status).toBe(200);
    expect(page.html).toContain('<label for="preset-picker">Preset</label>');
    for (const preset of presets) expect(page.html).toContain(`value="${preset.id}"`);
    expect(pageText(page.html)).toContain("Use preset");

    const hmac = await browser.get("/portal/inbound-hooks/new?preset=generic-hmac");
    expect(hmac.status).toBe(200);
    expect(inputValue(hmac.html, "hook-header-name")).toBe("X-Signature");
    expect(hmac.html).toContain('<label for="hook-algorithm">HMAC algorithm</label>');
    expect(pageText(hmac.html)).toContain("body.email | tojson");
    expect(pageText(hmac.html)).toContain("sam.lee@example.com");

    const unknown = await browser.get("/portal/inbound-hooks/new?preset=salesforce");
    expect(unknown.status).toBe(400);
    expect(pageText(unknown.html)).toContain("No preset 'salesforce'");
  });

  it("creates a hook: the API has it, its page shows the receiving URL, the generated secret once and a preview", async () => {
    const tenant = await createTenant("ih-create");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/inbound-hooks/new?preset=generic-hmac");
    const created = await browser.post("/portal/inbound-hooks", genericHmacForm({ algorithm: "sha512", prefix: "sha512=" }));
    expect(created.status).toBe(200);
    const [hook] = await listHooks(tenant);
    expect(hook).toMatchObject({ name: "HR feed", preset: "generic-hmac", syncKeys: ["email"], auth: { kind: "hmac", algorithm: "sha512", prefix: "sha512=" } });
    expect(inputValue(created.html, "receiving-url")).toBe(hook!.url);
    expect(hook!.url).toMatch(new RegExp(`^http://${tenant.slug}\\..+/hooks/${hook!.id}$`));
    expect(inputValue(created.html, "hook-new-secret")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.html).toContain(`data-canonical-url="/portal/inbound-hooks/${hook!.id}"`);
    const text = pageText(created.html);
    expect(text).toContain("Preview");
    expect(text).toContain('"first_name": "Sam"');
    // The secret is not shown again.
    const again = await browser.get(`/portal/inbound-hooks/${hook!.id}`);
    expect(again.status).toBe(200);
    expect(again.html).not.toContain("hook-new-secret");
    expect(again.html).not.toContain("data-canonical-url");
    expect(inputValue(again.html, "receiving-url")).toBe(hook!.url);
  });

  it("a create the API refuses re-renders the form with its message (400) and creates nothing", async () => {
    const tenant = await createTenant("ih-bad");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/inbound-hooks/new?preset=generic-hmac");
    const broken = await browser.post("/portal/inbound-hooks", genericHmacForm({ name: "Kept name", template: '{"a": {{ body.a | tojson }' }));
    expect(broken.status).toBe(400);
    expect(pageText(broken.html)).toContain("VALIDATION_FAILED");
    expect(pageText(broken.html)).toContain("template");
    expect(inputValue(broken.html, "hook-name")).toBe("Kept name");
    const badSample = await browser.post("/portal/inbound-hooks", genericHmacForm({ sample_body: "{not json" }));
    expect(badSample.status).toBe(400);
    expect(pageText(badSample.html)).toContain("Sample body is not valid JSON");
    const shortSecret = await browser.post("/portal/inbound-hooks", genericHmacForm({ secret: "short" }));
    expect(shortSecret.status).toBe(400);
    expect(pageText(shortSecret.html)).toContain("at least 8 characters");
    expect(await countRows("inbound_hooks", tenant.id)).toBe(0);
  });

  it("saves edits through the API, keeping the secret; a taken name is refused and changes nothing", async () => {
    const tenant = await createTenant("ih-edit");
    const hook = await createHook(tenant, { name: "one", ...OKTA });
    await createHook(tenant, { name: "two", ...OKTA });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get(`/portal/inbound-hooks/${hook.id}`);
    expect(pageText(page.html)).toContain("Save inbound hook");
    const form = { name: "renamed", auth_kind: "header_secret", header_name: "X-Okta-Secret", secret: "", event: "archive", form: "User", sync_keys: "okta_id", template: hook.template };
    const saved = await browser.post(`/portal/inbound-hooks/${hook.id}`, form);
    expect(saved.status).toBe(303);
    expect(saved.location).toContain(`/portal/inbound-hooks/${hook.id}?notice=`);
    const after = await (await readHook(tenant, hook.id)).json<HookView>();
    expect(after).toMatchObject({ name: "renamed", event: "archive", syncKeys: ["okta_id"], auth: { kind: "header_secret", headerName: "X-Okta-Secret" } });
    // The stored secret still verifies deliveries.
    const delivery = await call(tenant.slug, `/hooks/${hook.id}`, { json: { data: { events: [] } }, headers: { "x-okta-secret": "okta-shared-secret-1" } });
    expect(delivery.status).toBeLessThan(300);

    const taken = await browser.post(`/portal/inbound-hooks/${hook.id}`, { ...form, name: "two", event: "update" });
    expect(taken.status).toBe(409);
    expect(pageText(taken.html)).toContain("CONFLICT");
    expect(inputValue(taken.html, "hook-name")).toBe("two");
    expect(await (await readHook(tenant, hook.id)).json()).toMatchObject({ name: "renamed", event: "archive" });
  });

  it("previews the template as typed over a sample body without saving it, and shows the error code for one that fails", async () => {
    const tenant = await createTenant("ih-preview");
    const hook = await createHook(tenant, { name: "good", preset: "generic-header-secret", template: '{"email": {{ body.email | tojson }}}', syncKeys: ["email"] });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get(`/portal/inbound-hooks/${hook.id}`);
    expect(page.html).toContain(`formaction="/portal/inbound-hooks/${hook.id}/preview"`);
    const edit = (template: string, sample: string) => ({ ...editForm(hook), name: "typed, not saved", template, sample_body: sample });

    const saved = await browser.post(`/portal/inbound-hooks/${hook.id}/preview`, edit(hook.template, '{"email": "pat@example.com"}'));
    expect(saved.status).toBe(200);
    expect(pageText(saved.html)).toMatch(/Preview .*"email": "pat@example.com"/);
    expect(pageText(saved.html)).toContain("email = pat@example.com");

    const typed = await browser.post(`/portal/inbound-hooks/${hook.id}/preview`, edit('{"email": {{ body.email | upper | tojson }}, "n": {{ body.n + 1 }}}', '{"email": "pat@example.com", "n": 41}'));
    expect(typed.status).toBe(200);
    const text = pageText(typed.html);
    expect(text).toContain('"email": "PAT@EXAMPLE.COM"');
    expect(text).toContain('"n": 42');
    expect(inputValue(typed.html, "hook-name")).toBe("typed, not saved"); // the form keeps what was typed
    expect(typed.html).toContain("body.n + 1");

    const failed = await browser.post(`/portal/inbound-hooks/${hook.id}/preview`, edit("[{{ body.email | tojson }}]", '{"email": "pat@example.com"}'));
    expect(failed.status).toBe(400);
    expect(pageText(failed.html)).toMatch(/Preview .*TEMPLATE_FAILED/);
    const unparsable = await browser.post(`/portal/inbound-hooks/${hook.id}/preview`, edit('{"a": {{ body.a }', "{}"));
    expect(unparsable.status).toBe(400);
    expect(pageText(unparsable.html)).toContain("TEMPLATE_FAILED");
    const notJson = await browser.post(`/portal/inbound-hooks/${hook.id}/preview`, edit(hook.template, "{nope"));
    expect(notJson.status).toBe(400);
    expect(pageText(notJson.html)).toContain("Sample body is not valid JSON");

    expect(await (await readHook(tenant, hook.id)).json()).toMatchObject({ name: "good", template: hook.template });
    expect(await countRows("records", tenant.id)).toBe(0);
  });

  it("deletes a hook through the API", async () => {
    const tenant = await createTenant("ih-delete");
    const hook = await createHook(tenant, { name: "gone", ...OKTA });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get(`/portal/inbound-hooks/${hook.id}`);
    expect(page.html).toMatch(/<form method="post" action="\/portal\/inbound-hooks\/hook_[0-9a-f]+\/delete" class="inline" data-confirm=/);
    const deleted = await browser.post(`/portal/inbound-hooks/${hook.id}/delete`);
    expect(deleted.status).toBe(303);
    expect(deleted.location).toContain("notice=");
    expect((await readHook(tenant, hook.id)).status).toBe(404);
    expect((await browser.get(`/portal/inbound-hooks/${hook.id}`)).status).toBe(404);
  });

  it("works on the path form /t/{tenant}/portal", async () => {
    const tenant = await createTenant("ih-path");
    const hook = await createHook(tenant, { name: "path", ...OKTA });
    const browser = await new PortalBrowser(tenant.slug, `/t/${tenant.slug}`).signedIn(tenant.key);
    const page = await browser.get("/portal/inbound-hooks");
    expect(page.status).toBe(200);
    expect(page.html).toContain(`href="/t/${tenant.slug}/portal/inbound-hooks/${hook.id}"`);
  });
});

describe("portal inbound hooks security", () => {
  it("no session goes to sign-in and changes nothing", async () => {
    const tenant = await createTenant("ih-anon");
    const hook = await createHook(tenant, { name: "kept", ...OKTA });
    const browser = new PortalBrowser(tenant.slug);
    for (const path of ["/portal/inbound-hooks", "/portal/inbound-hooks/new", `/portal/inbound-hooks/${hook.id}`]) {
      const page = await browser.get(path);
      expect(page.status).toBe(303);
      expect(page.location).toContain("/portal/login");
    }
    expect((await browser.post(`/portal/inbound-hooks/${hook.id}/delete`, { _csrf: "x" })).status).toBe(303);
    expect((await readHook(tenant, hook.id)).status).toBe(200);
  });

  it("another tenant's hook id is not found for view, edit, preview and delete, and is left untouched", async () => {
    const victim = await createTenant("ih-victim");
    const attacker = await createTenant("ih-attacker");
    const hook = await createHook(victim, { name: "victim-hook", ...OKTA });
    const browser = await new PortalBrowser(attacker.slug).signedIn(attacker.key);
    expect((await browser.get(`/portal/inbound-hooks/${hook.id}`)).status).toBe(404);
    const edit = await browser.post(`/portal/inbound-hooks/${hook.id}`, { name: "pwned", auth_kind: "header_secret", secret: "attacker-secret-1" });
    expect(edit.status).toBe(404);
    expect((await browser.post(`/portal/inbound-hooks/${hook.id}/preview`, { ...editForm(hook), sample_body: "{}" })).status).toBe(404);
    const deleted = await browser.post(`/portal/inbound-hooks/${hook.id}/delete`);
    expect(deleted.status).toBe(303);
    expect(deleted.location).toContain("error=");
    expect(await (await readHook(victim, hook.id)).json()).toMatchObject({ name: "victim-hook", auth: { headerName: "Authorization" } });
    expect(pageText((await browser.get("/portal/inbound-hooks")).html)).not.toContain("victim-hook");
  });
});
