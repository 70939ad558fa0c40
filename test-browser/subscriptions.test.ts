/**
 * The delivery flow through the portal, end to end in a real browser: create a subscription to a local
 * receiver, Send test and read the attempt inline, make an event and watch the receiver get it, open the
 * delivery and Replay it (the receiver gets it again as a new delivery), and bulk-replay a dead letter.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, newPage, pathOf, portalUrl, signIn, type OpenPage } from "./browser";
import { startReceiver, type Receiver } from "./receiver";
import { createTicket } from "./inbound";

const gateway = inject("gateway");
let browser: Browser;
let open: OpenPage;
let page: Page;
let receiver: Receiver;
// Filled in as the flow goes; each test builds on the one before (the file runs in order).
let subscriptionId = "";
let deliveryId = "";
const title = `Browser ticket ${Date.now().toString(36)}`;

beforeAll(async () => {
  receiver = await startReceiver();
  browser = await launchBrowser();
  open = await newPage(browser);
  page = open.page;
  await signIn(page, gateway.port, gateway.apiKey);
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
});

/** Reloads until the table row of `rowText` shows `status` (delivery happens in the background). */
async function waitForRowStatus(rowText: string, status: string) {
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByRole("row").filter({ hasText: rowText }).first().textContent();
    }, { timeout: 20_000, interval: 500 })
    .toContain(status);
}

describe("subscriptions and deliveries", () => {
  it("the new-subscription form refuses a missing callback URL with the API's message, keeping what was typed", async () => {
    await page.goto(portalUrl(gateway.port, "/subscriptions"));
    await page.getByRole("link", { name: "New subscription" }).click();
    expect(pathOf(page)).toBe("/portal/subscriptions/new");
    await page.getByLabel("Description").fill("Left incomplete");
    await page.getByLabel("Form name").fill("Ticket");
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Create subscription" }).click()]);
    expect(response.status()).toBe(400);
    // The AR webhook API's own message for the blank callback.
    expect(await page.getByRole("alert").textContent()).toMatch(/cannot be blank/);
    expect(await page.getByLabel("Description").inputValue()).toBe("Left incomplete");
    await page.goto(portalUrl(gateway.port, "/subscriptions"));
    expect(await page.getByRole("main").textContent()).not.toContain("Left incomplete");
  });

  it("creates a subscription to the local receiver through the form", async () => {
    await page.goto(portalUrl(gateway.port, "/subscriptions/new"));
    await page.getByLabel("Description").fill("Browser receiver");
    await page.getByLabel("Form name").fill("Ticket");
    await page.getByLabel("Callback URL").fill(`${receiver.url}/hook`);
    expect(await page.getByLabel("Create").isChecked()).toBe(true);
    await page.getByRole("button", { name: "Create subscription" }).click();
    await expect.poll(() => pathOf(page)).toMatch(/^\/portal\/subscriptions\/[^/]+$/);
    subscriptionId = decodeURIComponent(pathOf(page).split("/").pop() ?? "");
    expect(await page.getByRole("status").textContent()).toContain(`Subscription ${subscriptionId} created.`);
    await page.goto(portalUrl(gateway.port, "/subscriptions"));
    const row = page.getByRole("row").filter({ hasText: subscriptionId });
    expect(await row.textContent()).toContain("Browser receiver");
    expect(await row.textContent()).toContain(`${receiver.url}/hook`);
  });

  it("Send test shows the attempt inline (Test result, status 200) and the receiver got it", async () => {
    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`));
    const before = receiver.received.length;
    await page.getByRole("button", { name: "Send test" }).click();
    const result = page.getByRole("region", { name: "Test result" });
    await result.waitFor();
    expect(await result.textContent()).toMatch(/Status code\s*200/);
    await receiver.waitFor((request) => request.path === "/hook", { from: before });
  });

  it("an event on the subscription's form reaches the receiver, and the delivery shows as delivered", async () => {
    const before = receiver.received.length;
    const created = await createTicket(gateway.origin, gateway.apiKey, title);
    expect(created.status).toBe(201);
    const received = await receiver.waitFor((request) => request.body.includes(title), { from: before });
    expect(received.method).toBe("POST");

    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`));
    await page.getByRole("link", { name: "Deliveries", exact: true }).last().click();
    expect(new URL(page.url()).searchParams.get("subscription")).toBe(subscriptionId);
    const rows = page.getByRole("region", { name: "Deliveries" }).locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(1);
    await waitForRowStatus(subscriptionId, "delivered");
    await rows.first().getByRole("link").first().click();
    deliveryId = decodeURIComponent(pathOf(page).split("/").pop() ?? "");
    expect(deliveryId).not.toBe("");
    const attempts = page.getByRole("region", { name: "Attempts" });
    expect(await attempts.locator("tbody tr").count()).toBe(1);
    expect(await attempts.locator("tbody tr").first().textContent()).toContain("200");
  });

  it("Replay sends the same event again as a new delivery", async () => {
    await page.goto(portalUrl(gateway.port, `/deliveries/${deliveryId}`));
    const before = receiver.received.length;
    const first = receiver.received.find((request) => request.body.includes(title));
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await expect.poll(() => pathOf(page)).not.toBe(`/portal/deliveries/${deliveryId}`);
    const replayId = decodeURIComponent(pathOf(page).split("/").pop() ?? "");
    expect(await page.getByRole("status").textContent()).toBe(`Replayed ${deliveryId} as ${replayId}.`);
    expect(await page.getByRole("link", { name: deliveryId }).count()).toBe(1);

    const again = await receiver.waitFor((request) => request.body.includes(title), { from: before });
    expect(again.body).toBe(first?.body);
    expect(again.headers["webhook-id"]).not.toBe(first?.headers["webhook-id"]);
    await expect
      .poll(async () => {
        await page.reload();
        return page.getByRole("region", { name: "Attempts" }).locator("tbody tr").count();
      }, { timeout: 20_000, interval: 500 })
      .toBe(1);
    expect(await page.getByRole("region", { name: "Attempts" }).textContent()).toContain("200");
  });

  it("a delivery that fails its only attempt is a dead letter; Replay selected sends it again", async () => {
    const failing = await startReceiver();
    failing.answerWith(500);
    try {
      await page.goto(portalUrl(gateway.port, "/subscriptions/new"));
      await page.getByLabel("Description").fill("Failing receiver");
      await page.getByLabel("Form name").fill("Ticket");
      await page.getByLabel("Callback URL").fill(`${failing.url}/hook`);
      await page.getByLabel("Max attempts").fill("1");
      await page.getByRole("button", { name: "Create subscription" }).click();
      await expect.poll(() => pathOf(page)).toMatch(/^\/portal\/subscriptions\/[^/]+$/);
      const failingId = decodeURIComponent(pathOf(page).split("/").pop() ?? "");

      const deadTitle = `${title} (dead)`;
      expect((await createTicket(gateway.origin, gateway.apiKey, deadTitle)).status).toBe(201);
      await failing.waitFor((request) => request.body.includes(deadTitle));

      await page.goto(portalUrl(gateway.port, "/dead-letters"));
      await waitForRowStatus(failingId, "dead");
      failing.answerWith(200);
      const before = failing.received.length;
      await page.getByLabel("Select all").check();
      await page.getByRole("button", { name: "Replay selected" }).click();
      await expect.poll(() => page.getByRole("status").textContent()).toMatch(/^Replayed [1-9]\d* deliver(y|ies)\.$/);
      await failing.waitFor((request) => request.body.includes(deadTitle), { from: before });

      // Disabled, it gets no events from the tests that follow (its receiver is about to close).
      await page.goto(portalUrl(gateway.port, `/subscriptions/${failingId}`));
      await page.getByRole("button", { name: "Disable" }).click();
      await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription disabled.");
      await page.goto(portalUrl(gateway.port, "/subscriptions"));
      expect(await page.getByRole("row").filter({ hasText: failingId }).textContent()).toContain("disabled");
    } finally {
      await failing.close();
    }
  });

  it("Rotate signing secret shows the new secret once, and the next test is signed with it", async () => {
    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`));
    await page.getByRole("button", { name: "Rotate signing secret" }).click();
    const field = page.getByLabel("New signing secret");
    await field.waitFor();
    const secret = await field.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.goto(portalUrl(gateway.port, `/subscriptions/${subscriptionId}`));
    expect(await page.getByLabel("New signing secret").count()).toBe(0);

    const before = receiver.received.length;
    await page.getByRole("button", { name: "Send test" }).click();
    await page.getByRole("region", { name: "Test result" }).waitFor();
    const signed = await receiver.waitFor((request) => request.path === "/hook", { from: before });
    // Standard Webhooks: HMAC-SHA256 over "id.timestamp.body" with the base64 key after "whsec_".
    const { createHmac } = await import("node:crypto");
    const expected = createHmac("sha256", Buffer.from(secret.slice("whsec_".length), "base64"))
      .update(`${signed.headers["webhook-id"]}.${signed.headers["webhook-timestamp"]}.${signed.body}`)
      .digest("base64");
    expect(String(signed.headers["webhook-signature"]).split(" ")).toContain(`v1,${expected}`);
  });

  it("Skip gives up on a delivery that is waiting for its next attempt", async () => {
    const failing = await startReceiver();
    failing.answerWith(503);
    try {
      await page.goto(portalUrl(gateway.port, "/subscriptions/new"));
      await page.getByLabel("Description").fill("Retrying receiver");
      await page.getByLabel("Form name").fill("Ticket");
      await page.getByLabel("Callback URL").fill(`${failing.url}/hook`);
      await page.getByRole("button", { name: "Create subscription" }).click();
      await expect.poll(() => pathOf(page)).toMatch(/^\/portal\/subscriptions\/[^/]+$/);
      const retryingId = decodeURIComponent(pathOf(page).split("/").pop() ?? "");

      const skipTitle = `${title} (skip)`;
      expect((await createTicket(gateway.origin, gateway.apiKey, skipTitle)).status).toBe(201);
      await failing.waitFor((request) => request.body.includes(skipTitle));

      await page.goto(portalUrl(gateway.port, `/deliveries?subscription=${encodeURIComponent(retryingId)}`));
      await waitForRowStatus(retryingId, "pending");
      await page.getByRole("region", { name: "Deliveries" }).locator("tbody tr").first().getByRole("link").first().click();
      const pendingId = decodeURIComponent(pathOf(page).split("/").pop() ?? "");
      await page.getByRole("button", { name: "Skip" }).click();
      await expect.poll(() => page.getByRole("status").textContent()).toBe(`Skipped ${pendingId}.`);
      expect(await page.locator("dl.facts").textContent()).toContain("skipped");

      await page.getByRole("link", { name: retryingId }).first().click();
      await page.getByRole("button", { name: "Disable" }).click();
      await expect.poll(() => page.getByRole("status").textContent()).toBe("Subscription disabled.");
    } finally {
      await failing.close();
    }
  });

  it("no script errors, CSP violations or failed assets on any page of the flow", () => {
    expect(open.errors).toEqual([]);
  });
});
