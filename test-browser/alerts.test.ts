/**
 * The Alerts page in a real browser, on a tenant of its own (so its empty state holds whatever ran before):
 * empty at first; a delivery that fails its only attempt shows up as a dead letter with its subscription and
 * status; a receiver answering 410 disables its subscription, which the page lists and the subscription's page
 * explains, with Re-enable; and the operational webhook is set (its secret shown once) and deleted.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newPage, pathOf, portalUrl, signIn, type OpenPage } from "./browser";
import { startReceiver, type Receiver } from "./receiver";

const gateway = inject("gateway");
const slug = `alerts-${Date.now().toString(36)}`;
const FORM = "Browser:Alerts";
let apiKey = "";
let browser: Browser;
let open: OpenPage;
let page: Page;
let failing: Receiver;
let gone: Receiver;

async function request<T>(path: string, init: { method?: string; token: string; body?: unknown }): Promise<{ status: number; location: string | null; body: T }> {
  const response = await fetch(`${gateway.origin}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: { authorization: `Bearer ${init.token}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, location: response.headers.get("location"), body: (text ? JSON.parse(text) : null) as T };
}
const tenantApi = <T>(path: string, body?: unknown) => request<T>(`/t/${slug}${path}`, { token: apiKey, body });

/** A subscription to FORM whose one attempt goes to `receiver`; returns its id. */
async function subscribe(receiver: Receiver, description: string): Promise<string> {
  const created = await tenantApi("/api/arsys/v1.0/webhook", {
    description,
    form_name: FORM,
    condition: "",
    entry_events: ["create"],
    callback: { url: `${receiver.url}/hook`, authentication: { type: "NO_AUTH" } },
    payload_fields: [],
    retry_policy: { maxAttempts: 1 },
  });
  expect(created.status).toBe(201);
  return created.location?.split("/").pop() ?? "";
}

/** Reloads the alerts page until a row mentions all of `texts` (operational events follow the attempt a moment later). */
async function waitForAlert(...texts: string[]) {
  await expect
    .poll(async () => {
      await page.reload();
      const rows = await page.getByRole("region", { name: "Operational events" }).locator("tbody tr").allTextContents();
      return rows.some((row) => texts.every((text) => row.includes(text)));
    }, { timeout: 20_000, interval: 500 })
    .toBe(true);
}

beforeAll(async () => {
  const tenant = await request("/admin/v1/tenants", { token: gateway.adminToken, body: { slug, name: "Alerts in the browser" } });
  expect(tenant.status).toBe(201);
  const key = await request<{ key: string }>(`/admin/v1/tenants/${slug}/api-keys`, { token: gateway.adminToken, body: { name: "browser alerts" } });
  expect(key.status).toBe(201);
  apiKey = key.body.key;
  failing = await startReceiver();
  failing.answerWith(500);
  gone = await startReceiver();
  gone.answerWith(410);
  browser = await launchBrowser();
  open = await newPage(browser);
  page = open.page;
  await signIn(page, gateway.port, apiKey, slug);
});
afterAll(async () => {
  await browser?.close();
  await failing?.close();
  await gone?.close();
});

describe("alerts", () => {
  it("is in the navigation, and says when there is nothing yet and no operational webhook", async () => {
    await page.getByRole("link", { name: "Alerts" }).click();
    expect(pathOf(page)).toBe("/portal/alerts");
    expect(await page.getByRole("main").textContent()).toContain("No operational events yet.");
    expect(await page.getByRole("main").textContent()).toContain("No operational webhook is set");
  });

  it("a delivery that fails its only attempt shows up as a dead letter, naming its subscription and the status", async () => {
    const subscriptionId = await subscribe(failing, "Fails once");
    expect((await tenantApi(`/api/arsys/v1.0/entry/${encodeURIComponent(FORM)}`, { values: { Title: "dead letter" } })).status).toBe(201);
    await failing.waitFor((request) => request.path === "/hook");
    await waitForAlert("Delivery dead-lettered", subscriptionId, "last status 500");
    const row = page.getByRole("row").filter({ hasText: "Delivery dead-lettered" }).first();
    await row.getByRole("link", { name: subscriptionId, exact: true }).click();
    expect(pathOf(page)).toBe(`/portal/subscriptions/${subscriptionId}`);
    // Disabled, it sends nothing more (its receiver closes at the end of this file).
    await page.getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription disabled.");
  });

  it("a receiver answering 410 disables its subscription: listed here, explained on its page, and Re-enable undoes it", async () => {
    const subscriptionId = await subscribe(gone, "Gone receiver");
    expect((await tenantApi(`/api/arsys/v1.0/entry/${encodeURIComponent(FORM)}`, { values: { Title: "gone" } })).status).toBe(201);
    await gone.waitFor((request) => request.path === "/hook");
    await page.goto(portalUrl(gateway.port, "/alerts", slug));
    await waitForAlert("Subscription disabled", subscriptionId, "410");
    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`, slug));
    expect(await page.getByRole("alert").textContent()).toContain("Disabled by Hookgate: The receiver answered 410 Gone.");
    await page.getByRole("button", { name: "Re-enable" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription enabled.");
    expect(await page.getByRole("alert").count()).toBe(0);
    await page.getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription disabled.");
  });

  it("sets the operational webhook, showing its signing secret once, then deletes it", async () => {
    await page.goto(portalUrl(gateway.port, "/alerts", slug));
    await page.getByLabel("Webhook URL").fill(`${failing.url}/operations`);
    await page.getByLabel("Stream blocked").uncheck();
    await page.getByRole("button", { name: "Save operational webhook" }).click();
    const secret = page.getByLabel("Signing secret (shown once)");
    await secret.waitFor();
    expect(await secret.inputValue()).toMatch(/^whsec_/);
    expect(pathOf(page)).toBe("/portal/alerts");
    await page.reload();
    expect(await page.getByLabel("Signing secret (shown once)").count()).toBe(0);
    expect(await page.locator("#operational-webhook-status").textContent()).toContain(`${failing.url}/operations`);
    expect(await page.getByLabel("Stream blocked").isChecked()).toBe(false);
    expect(await page.getByLabel("Delivery dead-lettered").isChecked()).toBe(true);
    await page.getByRole("button", { name: "Delete operational webhook" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Operational webhook deleted.");
    expect(await page.locator("#operational-webhook-status").textContent()).toContain("No operational webhook is set");
  });

  it("no script errors, CSP violations or failed assets on any page of the flow", () => {
    expect(open.errors).toEqual([]);
  });
});
