/**
 * A subscription's operational settings through the portal in a real browser: the transformation is tried
 * with Dry run (its output or its error shown next to the form, nothing saved), then saved, shown again and
 * cleared; the rate limit and the auto-disable hours are saved and shown again, and a value out of range is
 * refused with the API's message.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newPage, pathOf, portalUrl, signIn, type OpenPage } from "./browser";

const gateway = inject("gateway");
let browser: Browser;
let open: OpenPage;
let page: Page;
let subscriptionId = "";

/** The tenant's AR webhook API with the demo key: what the portal saved, read from the outside. */
async function webhook(method: "GET" | "POST", path = "", body?: unknown) {
  const response = await fetch(`${gateway.origin}/t/acme/api/arsys/v1.0/webhook${path}`, {
    method,
    headers: { authorization: `Bearer ${gateway.apiKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, location: response.headers.get("location"), body: response.status === 200 ? ((await response.json()) as Record<string, unknown>) : null };
}

const TEMPLATE = '{"kind": {{ event.type | tojson }}, "webhook": {{ subscription.id | tojson }}}';

beforeAll(async () => {
  // A form no other test writes to: this subscription never gets an event, so its callback is never called.
  const created = await webhook("POST", "", {
    description: "Settings in the browser",
    form_name: "Browser:Settings",
    condition: "",
    entry_events: ["create"],
    callback: { url: "http://127.0.0.1:9/hook", authentication: { type: "NO_AUTH" } },
    payload_fields: ["Status"],
  });
  expect(created.status).toBe(201);
  subscriptionId = created.location?.split("/").pop() ?? "";
  browser = await launchBrowser();
  open = await newPage(browser);
  page = open.page;
  await signIn(page, gateway.port, gateway.apiKey);
});
afterAll(async () => {
  await browser?.close();
});

describe("subscription settings", () => {
  it("Dry run shows the template's output next to the form and saves nothing; the typed template stays", async () => {
    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`));
    await page.getByLabel("Transformation", { exact: true }).fill(TEMPLATE);
    await page.getByRole("button", { name: "Dry run" }).click();
    const result = page.getByRole("region", { name: "Dry run" });
    await result.waitFor();
    const output = JSON.parse((await result.locator("pre").textContent()) ?? "");
    expect(output).toEqual({ kind: "create", webhook: subscriptionId });
    expect(await page.getByLabel("Transformation", { exact: true }).inputValue()).toBe(TEMPLATE);
    // Reloading is a GET of the page, not the dry run again.
    expect(pathOf(page)).toBe(`/portal/subscriptions/${subscriptionId}`);
    expect((await webhook("GET", `/${subscriptionId}`)).body?.transformation).toBeNull();
  });

  it("Dry run of a failing template shows its error, and nothing is saved", async () => {
    await page.getByLabel("Transformation", { exact: true }).fill('{{ raise_exception("not for this ticket") }}');
    await page.getByRole("button", { name: "Dry run" }).click();
    const result = page.getByRole("region", { name: "Dry run" });
    await result.getByRole("alert").waitFor();
    expect(await result.getByRole("alert").textContent()).toMatch(/The template failed: .*not for this ticket/);
    expect((await webhook("GET", `/${subscriptionId}`)).body?.transformation).toBeNull();
  });

  it("Save stores the transformation, the page shows it again, and emptying the box clears it", async () => {
    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`));
    await page.getByLabel("Transformation", { exact: true }).fill(TEMPLATE);
    await page.getByRole("button", { name: "Save subscription" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription saved.");
    expect((await webhook("GET", `/${subscriptionId}`)).body?.transformation).toBe(TEMPLATE);
    await page.reload();
    expect(await page.getByLabel("Transformation", { exact: true }).inputValue()).toBe(TEMPLATE);

    await page.getByLabel("Transformation", { exact: true }).fill("");
    await page.getByRole("button", { name: "Save subscription" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription saved.");
    expect((await webhook("GET", `/${subscriptionId}`)).body?.transformation).toBeNull();
  });

  it("saves the rate limit and the auto-disable hours and shows them again; blank boxes are unlimited and the default", async () => {
    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`));
    expect(await page.getByLabel("Rate limit (callbacks per second)").inputValue()).toBe("");
    expect(await page.getByLabel("Disable after failing for (hours)").inputValue()).toBe("120");
    await page.getByLabel("Rate limit (callbacks per second)").fill("7");
    await page.getByLabel("Disable after failing for (hours)").fill("0");
    await page.getByRole("button", { name: "Save subscription" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription saved.");
    expect((await webhook("GET", `/${subscriptionId}`)).body).toMatchObject({ rate_limit_per_second: 7, disable_after_failing_hours: 0 });
    await page.reload();
    expect(await page.getByLabel("Rate limit (callbacks per second)").inputValue()).toBe("7");
    expect(await page.getByLabel("Disable after failing for (hours)").inputValue()).toBe("0");

    await page.getByLabel("Rate limit (callbacks per second)").fill("");
    await page.getByLabel("Disable after failing for (hours)").fill("");
    await page.getByRole("button", { name: "Save subscription" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription saved.");
    expect((await webhook("GET", `/${subscriptionId}`)).body).toMatchObject({ rate_limit_per_second: null, disable_after_failing_hours: 120 });
  });

  it("a rate limit out of range is refused with the API's message naming it, the typed value kept; nothing is saved", async () => {
    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`));
    await page.getByLabel("Rate limit (callbacks per second)").fill("5000");
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Save subscription" }).click()]);
    expect(response.status()).toBe(400);
    const alert = await page.getByRole("alert").textContent();
    expect(alert).toContain("rate_limit_per_second");
    expect(alert).toContain("must be at most 1000");
    expect(await page.getByLabel("Rate limit (callbacks per second)").inputValue()).toBe("5000");
    expect((await webhook("GET", `/${subscriptionId}`)).body?.rate_limit_per_second).toBeNull();
  });

  it("no script errors, CSP violations or failed assets on any page of the flow", () => {
    expect(open.errors).toEqual([]);
  });
});
