/**
 * The read-mostly pages and API keys in a real browser: the overview's last-hour cards and chart, the inbound
 * log's filters with rejection causes, and an API key created (shown once), used to sign in, then revoked.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newPage, portalUrl, signIn, type OpenPage } from "./browser";
import { createTicket } from "./inbound";

const gateway = inject("gateway");
let browser: Browser;
let open: OpenPage;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  open = await newPage(browser);
  page = open.page;
  await signIn(page, gateway.port, gateway.apiKey);
});
afterAll(async () => {
  await browser?.close();
});

describe("overview", () => {
  it("shows the last hour's events in a card and the chart", async () => {
    expect((await createTicket(gateway.origin, gateway.apiKey, "Overview ticket")).status).toBe(201);
    await page.goto(portalUrl(gateway.port));
    const events = page.locator(".card").filter({ hasText: "Events (1h)" }).locator(".value");
    expect(Number(await events.textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.getByRole("img", { name: /Events and delivery attempts per 5 minutes/ }).count()).toBe(1);
  });
});

describe("inbound log", () => {
  it("filters by status and source and shows why a request was rejected", async () => {
    const rejected = await fetch(`${gateway.origin}/t/acme/v5.0/mgmt/api/v1.0/webhooks/helpdesk/createticket`, {
      method: "POST",
      headers: { authorization: gateway.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ requester_email: "John", title: "" }),
    });
    expect(rejected.status).toBe(400);
    expect((await createTicket(gateway.origin, gateway.apiKey, "Inbound log ticket")).status).toBe(201);

    await page.goto(portalUrl(gateway.port, "/inbound-requests"));
    await page.getByLabel("Source").selectOption("helpdesk.createticket");
    await page.getByLabel("Status").selectOption("4xx");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("status")).toBe("4xx");
    const rows = page.getByRole("region", { name: "Inbound requests, newest first" }).locator("tbody tr");
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    for (const text of await rows.allTextContents()) {
      expect(text).toContain("helpdesk.createticket");
      expect(text).toContain("rejected");
    }
    expect(await rows.first().textContent()).toContain("VALIDATION_FAILED");

    await page.getByLabel("Status").selectOption("2xx");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("status")).toBe("2xx");
    for (const text of await rows.allTextContents()) expect(text).toContain("accepted");
  });
});

describe("API keys", () => {
  it("a new key is shown once, signs in, and once revoked no longer does", async () => {
    await page.goto(portalUrl(gateway.port, "/api-keys"));
    await page.getByLabel("Name").fill("Browser CI key");
    await page.getByRole("button", { name: "Create API key" }).click();
    const field = page.getByLabel("New API key");
    await field.waitFor();
    const key = await field.inputValue();
    expect(key).toMatch(/^hg_/);
    await page.goto(portalUrl(gateway.port, "/api-keys"));
    expect(await page.getByLabel("New API key").count()).toBe(0);

    // The new key signs in (another browser context: a separate session).
    const other = await newPage(browser);
    await signIn(other.page, gateway.port, key);
    expect(await other.page.getByRole("heading", { level: 1 }).textContent()).toBe("Overview");
    await other.context.close();

    const row = page.getByRole("row").filter({ hasText: "Browser CI key" });
    await row.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("API key revoked.");
    expect(await page.getByRole("row").filter({ hasText: "Browser CI key" }).textContent()).toContain("revoked");

    const refused = await newPage(browser);
    await refused.page.goto(portalUrl(gateway.port, "/login"));
    await refused.page.getByLabel("API key").fill(key);
    await refused.page.getByRole("button", { name: "Sign in with API key" }).click();
    await expect.poll(() => refused.page.getByRole("alert").count()).toBe(1);
    expect(new URL(refused.page.url()).pathname).toBe("/portal/login");
    await refused.context.close();
  });

  it("no script errors, CSP violations or failed assets on these pages", () => {
    expect(open.errors).toEqual([]);
  });
});
