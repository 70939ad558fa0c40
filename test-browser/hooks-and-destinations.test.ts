/**
 * The configuration pages in a real browser: an inbound hook from a preset (copyable URL, generated secret
 * shown once, dry-run Preview), lifecycle hooks Save & test against the local receiver, and a provisioning
 * destination with its three copyable URLs.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newPage, portalUrl, signIn, type OpenPage } from "./browser";
import { startReceiver, type Receiver } from "./receiver";

const gateway = inject("gateway");
let browser: Browser;
let open: OpenPage;
let page: Page;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  browser = await launchBrowser();
  open = await newPage(browser);
  page = open.page;
  await open.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: `http://acme.localhost:${gateway.port}` });
  await signIn(page, gateway.port, gateway.apiKey);
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
});

describe("inbound hooks", () => {
  it("creates a hook from a preset: the receiving URL can be copied, the generated secret shows once, Preview renders the sample", async () => {
    await page.goto(portalUrl(gateway.port, "/inbound-hooks/new"));
    await page.getByLabel("Preset").selectOption("okta-event-hook");
    await page.getByRole("button", { name: "Use preset" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("preset")).toBe("okta-event-hook");
    await page.getByLabel("Name", { exact: true }).fill("Okta users (browser)");
    await page.getByRole("button", { name: "Create inbound hook" }).click();
    // Rendered by the POST itself, not redirected: the generated secret must not travel in a URL.
    await page.getByLabel("Receiving URL").waitFor();
    const url = await page.getByLabel("Receiving URL").inputValue();
    expect(url).toMatch(new RegExp(`^http://acme\\.localhost:${gateway.port}/hooks/hook_`));
    const hookId = url.split("/").pop() ?? "";
    expect(await page.getByLabel("Secret (shown once)").inputValue()).not.toBe("");
    await page.getByRole("button", { name: "Copy" }).first().click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(url);

    await page.getByRole("button", { name: "Preview" }).click();
    const preview = page.getByRole("region", { name: "Preview" });
    await preview.waitFor();
    expect(await preview.textContent()).toMatch(/[1-9]\d* record change\(s\)/);

    // Reloading the hook's page never shows the secret again.
    await page.goto(portalUrl(gateway.port, `/inbound-hooks/${hookId}`));
    expect(await page.getByLabel("Secret (shown once)").count()).toBe(0);
  });
});

describe("lifecycle hooks", () => {
  it("Save & test calls {base URL}/test on the local receiver with the token and shows its answer", async () => {
    await page.goto(portalUrl(gateway.port, "/lifecycle-hooks"));
    await page.getByLabel("Base URL").fill(`${receiver.url}/lifecycle`);
    await page.getByLabel("Token").fill("browser-token-0123456789");
    await page.getByRole("button", { name: "Save & test" }).click();
    const result = page.getByRole("region", { name: "Test result" });
    await result.waitFor();
    expect(await result.textContent()).toMatch(/Status\s*200/);
    const call = await receiver.waitFor((request) => request.path === "/lifecycle/test");
    expect(call.headers.authorization).toBe("Bearer browser-token-0123456789");
  });

  it("an empty token makes Hookgate issue one, shown once and sent to the hooks; Rotate token shows a new one", async () => {
    await page.goto(portalUrl(gateway.port, "/lifecycle-hooks"));
    await page.getByLabel("Token", { exact: true }).fill("");
    await page.getByRole("button", { name: "Save & test" }).click();
    const shown = page.getByLabel("Token (shown once)");
    await shown.waitFor();
    const issued = await shown.inputValue();
    expect(issued).toMatch(/^hglt_/);
    const call = await receiver.waitFor((request) => request.path === "/lifecycle/test" && request.headers.authorization === `Bearer ${issued}`);
    expect(call.headers.authorization).toBe(`Bearer ${issued}`);

    await page.getByRole("button", { name: "Rotate token" }).click();
    await expect.poll(async () => (await page.getByLabel("Token (shown once)").count()) > 0 && (await page.getByLabel("Token (shown once)").inputValue()) !== issued).toBe(true);
    expect(await page.getByLabel("Token (shown once)").inputValue()).toMatch(/^hglt_/);

    // Shown once: reloading the page shows only the mask.
    await page.goto(portalUrl(gateway.port, "/lifecycle-hooks"));
    expect(await page.getByLabel("Token (shown once)").count()).toBe(0);
    expect(await page.getByLabel("Token", { exact: true }).inputValue()).toBe("********");
  });
});

describe("provisioning destinations", () => {
  it("creates a destination and shows its three webhook URLs, each copyable", async () => {
    await page.goto(portalUrl(gateway.port, "/destinations"));
    await page.getByLabel("Name").fill("Workday (browser)");
    await page.getByRole("button", { name: "Create destination" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Destination Workday (browser) created.");
    const card = page.getByRole("region", { name: "Workday (browser)" });
    const fields = card.getByRole("textbox");
    expect(await fields.count()).toBe(3);
    const urls = await fields.evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    expect(urls.map((url) => url.split("/").pop())).toEqual(["adduser", "modifyuser", "deleteuser"]);
  });

  it("a blank name is refused with the API's message", async () => {
    await page.goto(portalUrl(gateway.port, "/destinations"));
    await page.getByLabel("Name").evaluate((input) => input.removeAttribute("required"));
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Create destination" }).click()]);
    expect(response.status()).toBe(400);
    expect(await page.getByRole("alert").textContent()).toMatch(/VALIDATION_FAILED/);
  });
});

describe("page health", () => {
  it("no script errors, CSP violations or failed assets on any page above", () => {
    expect(open.errors).toEqual([]);
  });
});
