import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { startReceiver, type Receiver } from "../delivery/harness";
import { PortalBrowser, pageText } from "./portal-client";

const PATH = "/api/v1/lifecycle-hooks";

let receiver: Receiver | null = null;
afterEach(() => {
  receiver?.restore();
  receiver = null;
});

const readConfig = (tenant: TestTenant) => call(tenant.slug, PATH, { key: tenant.key });
const putConfig = (tenant: TestTenant, json: unknown) => call(tenant.slug, PATH, { key: tenant.key, method: "PUT", json });

const form = (overrides: Record<string, string | string[]> = {}) => ({
  base_url: "https://hooks.tenant.example/webhook",
  token: "tok-secret-1",
  enabled: ["validateUser", "preCreateUser"],
  timeout_ms: "1500",
  on_timeout: "allow",
  action: "save",
  ...overrides,
});

describe("portal lifecycle hooks", () => {
  it("shows an empty form before anything is configured, and the saved configuration with the token masked after", async () => {
    const tenant = await createTenant("lc-page");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const empty = await browser.get("/portal/lifecycle-hooks");
    expect(empty.status).toBe(200);
    expect(pageText(empty.html)).toContain("Nothing is configured yet");
    expect(empty.html).toContain('<label for="lc-base-url">Base URL</label>');

    await putConfig(tenant, { baseUrl: "https://hooks.tenant.example/webhook", token: "tok-secret-1", enabled: ["postCreateUser"], timeoutMs: 2500 });
    const page = await browser.get("/portal/lifecycle-hooks");
    expect(page.status).toBe(200);
    expect(page.html).toContain('value="https://hooks.tenant.example/webhook"');
    expect(page.html).toContain('value="********"');
    expect(page.html).not.toContain("tok-secret-1");
    expect(page.html).toMatch(/<input type="checkbox" id="lc-hook-postCreateUser" name="enabled" value="postCreateUser" checked/);
    expect(page.html).not.toMatch(/id="lc-hook-validateUser"[^>]*checked/);
    expect(page.html).toContain('value="2500"');
  });

  it("saves through the API; sending the masked token back keeps the stored one", async () => {
    receiver = startReceiver(() => Response.json({ response: {} }));
    const tenant = await createTenant("lc-save");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const saved = await browser.post("/portal/lifecycle-hooks", form({ base_url: receiver.url }));
    expect(saved.status).toBe(303);
    expect(saved.location).toContain("/portal/lifecycle-hooks?notice=");
    expect(await (await readConfig(tenant)).json()).toMatchObject({ baseUrl: receiver.url, enabled: ["validateUser", "preCreateUser"], timeoutMs: 1500, onTimeout: "allow" });

    const again = await browser.post("/portal/lifecycle-hooks", form({ base_url: receiver.url, token: "********", enabled: [], on_timeout: "reject" }));
    expect(again.status).toBe(303);
    expect(await (await readConfig(tenant)).json()).toMatchObject({ enabled: [], onTimeout: "reject" });
    await call(tenant.slug, `${PATH}/test`, { key: tenant.key, method: "POST" });
    expect(receiver.received[0]!.headers.get("authorization")).toBe("Bearer tok-secret-1");
  });

  it("Save & test saves, calls the tenant's /test endpoint and shows its status, latency and answer", async () => {
    receiver = startReceiver(() => Response.json({ response: { hello: "from the tenant" } }));
    const tenant = await createTenant("lc-test");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/lifecycle-hooks");
    const page = await browser.post("/portal/lifecycle-hooks", form({ base_url: receiver.url, token: "eyJ.portal.token", action: "test" }));
    expect(page.status).toBe(200);
    const text = pageText(page.html);
    expect(text).toMatch(/Test result Hook test Status 200 Latency \d+ ms Answer/);
    expect(text).toContain("from the tenant");
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.url).toBe(`${receiver.url}/test`);
    expect(receiver.received[0]!.headers.get("authorization")).toBe("Bearer eyJ.portal.token");
    expect(await (await readConfig(tenant)).json()).toMatchObject({ baseUrl: receiver.url });
    expect(page.html).not.toContain("eyJ.portal.token");
  });

  it("Save & test shows a failing endpoint's status and a timeout's error", async () => {
    let hang = false;
    receiver = startReceiver(() => (hang ? new Promise<Response>(() => undefined) : new Response("nope", { status: 500 })));
    const tenant = await createTenant("lc-test-fail");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/lifecycle-hooks");
    const failing = await browser.post("/portal/lifecycle-hooks", form({ base_url: receiver.url, timeout_ms: "200", action: "test" }));
    expect(pageText(failing.html)).toMatch(/Test result Hook test Status 500 .* Answer nope/);
    hang = true;
    const timedOut = await browser.post("/portal/lifecycle-hooks", form({ base_url: receiver.url, token: "********", timeout_ms: "200", action: "test" }));
    expect(pageText(timedOut.html)).toMatch(/Status no answer .* Error .*timed out after 200 ms/);
  });

  it("invalid input re-renders with the API's message (400), keeps what was typed and saves nothing", async () => {
    const tenant = await createTenant("lc-bad");
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/lifecycle-hooks");
    const refused = await browser.post("/portal/lifecycle-hooks", form({ base_url: "https://127.0.0.1/webhook", action: "test" }));
    expect(refused.status).toBe(400);
    const text = pageText(refused.html);
    expect(text).toContain("VALIDATION_FAILED");
    expect(text).toContain("baseUrl");
    expect(text).not.toContain("Test result");
    expect(refused.html).toContain('value="https://127.0.0.1/webhook"');
    const slow = await browser.post("/portal/lifecycle-hooks", form({ timeout_ms: "60000" }));
    expect(slow.status).toBe(400);
    expect(pageText(slow.html)).toContain("timeoutMs");
    const masked = await browser.post("/portal/lifecycle-hooks", form({ token: "********" }));
    expect(masked.status).toBe(400);
    expect(pageText(masked.html)).toContain("no token is stored yet");
    expect((await readConfig(tenant)).status).toBe(404);
  });
});

describe("portal lifecycle hooks security", () => {
  it("no session goes to sign-in and saves nothing", async () => {
    const tenant = await createTenant("lc-anon");
    const browser = new PortalBrowser(tenant.slug);
    const page = await browser.get("/portal/lifecycle-hooks");
    expect(page.status).toBe(303);
    expect(page.location).toContain("/portal/login");
    expect((await browser.post("/portal/lifecycle-hooks", { _csrf: "x", ...form() })).status).toBe(303);
    expect((await readConfig(tenant)).status).toBe(404);
  });

  it("a session of another tenant sees and changes only its own configuration", async () => {
    const victim = await createTenant("lc-victim");
    const attacker = await createTenant("lc-attacker");
    await putConfig(victim, { baseUrl: "https://victim.example/webhook", token: "victim-token", enabled: ["validateUser"] });
    const browser = await new PortalBrowser(attacker.slug).signedIn(attacker.key);
    const page = await browser.get("/portal/lifecycle-hooks");
    expect(page.html).not.toContain("victim.example");
    expect((await browser.post("/portal/lifecycle-hooks", form({ base_url: "https://evil.example/webhook" }))).status).toBe(303);
    expect(await (await readConfig(victim)).json()).toMatchObject({ baseUrl: "https://victim.example/webhook", enabled: ["validateUser"] });
    expect(await (await readConfig(attacker)).json()).toMatchObject({ baseUrl: "https://evil.example/webhook" });
  });
});
