/**
 * Every portal page at 1440 px and 375 px: it answers 200, nothing is wider than the viewport, there are no
 * script errors or CSP violations, and a full-page screenshot goes to test/artifacts/screenshots/<page>-<width>.png.
 * Runs last (vitest.browser.config.ts), so the pages show what the other files created; it makes its own
 * subscription, delivery and test result so it also works alone.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { expectNoHorizontalOverflow, launchBrowser, NARROW, newPage, portalUrl, screenshot, signIn, WIDE } from "./browser";
import { startReceiver, type Receiver } from "./receiver";
import { createTicket } from "./inbound";

const gateway = inject("gateway");
let browser: Browser;
let receiver: Receiver;
let subscriptionId = "";
let deliveryId = "";

/** The tenant JSON API with the demo key, for setting up data (the flows themselves are driven in the browser elsewhere). */
async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; body: T }> {
  const response = await fetch(`${gateway.origin}/t/acme${path}`, {
    method,
    headers: { authorization: `Bearer ${gateway.apiKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

beforeAll(async () => {
  receiver = await startReceiver();
  browser = await launchBrowser();
  const created = await api("POST", "/api/arsys/v1.0/webhook", {
    description: "Screenshot receiver",
    form_name: "Ticket",
    condition: "",
    entry_events: ["create", "update"],
    callback: { url: `${receiver.url}/hook`, authentication: { type: "NO_AUTH" } },
    payload_fields: [],
  });
  expect(created.status).toBe(201);
  subscriptionId = created.headers.get("location")?.split("/").pop() ?? "";
  const title = `Screenshot ticket ${Date.now().toString(36)}`;
  expect((await createTicket(gateway.origin, gateway.apiKey, title)).status).toBe(201);
  await receiver.waitFor((request) => request.body.includes(title));
  // The receiver has it; the delivery's status follows a moment later (expect.poll only works inside a test).
  for (const deadline = Date.now() + 20_000; !deliveryId && Date.now() < deadline; await new Promise((done) => setTimeout(done, 250))) {
    const list = await api<{ items: { id: string; status: string }[] }>("GET", `/api/v1/deliveries?subscription=${subscriptionId}`);
    deliveryId = list.body.items.find((item) => item.status === "delivered")?.id ?? "";
  }
  if (!deliveryId) throw new Error(`no delivered delivery for ${subscriptionId} after 20 s`);
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
});

interface PortalPage {
  name: string;
  path: () => string;
  /** Brings the page into the state worth a screenshot (e.g. a test result shown inline). */
  prepare?: (page: Page) => Promise<void>;
  /** Widths at which this page is one of the README's pictures. */
  readme?: number[];
}

const PAGES: PortalPage[] = [
  { name: "overview", path: () => "", readme: [WIDE.width] },
  { name: "inbound-log", path: () => "/inbound-requests", readme: [WIDE.width] },
  { name: "subscriptions", path: () => "/subscriptions" },
  { name: "subscription-new", path: () => "/subscriptions/new" },
  {
    name: "subscription-detail",
    path: () => `/subscriptions/${subscriptionId}`,
    prepare: async (page) => {
      await page.getByRole("button", { name: "Send test" }).click();
      await page.getByRole("region", { name: "Test result" }).waitFor();
    },
    readme: [WIDE.width],
  },
  { name: "deliveries", path: () => "/deliveries" },
  { name: "delivery-detail", path: () => `/deliveries/${deliveryId}`, readme: [NARROW.width] },
  { name: "dead-letters", path: () => "/dead-letters" },
  { name: "alerts", path: () => "/alerts" },
  { name: "inbound-hooks", path: () => "/inbound-hooks" },
  { name: "inbound-hook-new", path: () => "/inbound-hooks/new" },
  { name: "lifecycle-hooks", path: () => "/lifecycle-hooks" },
  { name: "destinations", path: () => "/destinations" },
  { name: "api-keys", path: () => "/api-keys" },
];

describe.each([
  ["1440 px", WIDE],
  ["375 px", NARROW],
])("every page at %s", (_label, viewport) => {
  it("answers 200, fits the width, has no script errors, and is saved as a screenshot", async () => {
    const { page, errors, context } = await newPage(browser, viewport);
    await signIn(page, gateway.port, gateway.apiKey);
    for (const entry of PAGES) {
      const response = await page.goto(portalUrl(gateway.port, entry.path()));
      expect.soft(response?.status(), `${entry.name}: status`).toBe(200);
      await entry.prepare?.(page);
      expect.soft(await page.getByRole("heading", { level: 1 }).count(), `${entry.name}: one h1`).toBe(1);
      await expectNoHorizontalOverflow(page, entry.name);
      await screenshot(page, entry.name, { viewportOnly: entry.readme?.includes(viewport.width) ?? false });
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
