import { afterEach, describe, expect, it } from "vitest";
import { createTenant } from "../helpers";
import { createEntry, listDeliveries, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";
import { PortalBrowser, flashOf, pageText } from "./portal-client";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const deliveries = listDeliveries;
const flash = flashOf;
const n = (request: { json: Record<string, unknown> }) => (request.json.entry_details as { n: number }).n;

describe("portal: deliveries", () => {
  it("lists deliveries with filters by subscription and status, and pages on with the cursor", async () => {
    receiver = startReceiver((request) => (n(request) === 2 ? new Response("no", { status: 500 }) : new Response("ok")));
    const tenant = await createTenant("pdel");
    const first = await subscribe(tenant, { url: receiver.url, maxAttempts: 1 });
    const second = await subscribe(tenant, { url: `${receiver.url}/second`, form: "Gadget", maxAttempts: 1 });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await createEntry(tenant, { n: 3 }, "Gadget");
    await settle(tenant.id);
    const all = await deliveries(tenant);
    expect(all).toHaveLength(3);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);

    const page = await browser.get("/portal/deliveries");
    expect(page.status).toBe(200);
    expect(page.html).toContain('<label for="subscription">Subscription</label>');
    expect(page.html).toContain('<label for="status">Status</label>');
    for (const delivery of all) expect(pageText(page.html)).toContain(delivery.id);

    const bySubscription = pageText((await browser.get(`/portal/deliveries?subscription=${second}`)).html);
    expect(bySubscription).toContain(all.find((item) => item.subscriptionId === second)!.id);
    expect(bySubscription).not.toContain(all.find((item) => item.subscriptionId === first)!.id);

    const dead = pageText((await browser.get("/portal/deliveries?status=dead")).html);
    const deadOne = all.find((item) => item.status === "dead")!;
    expect(dead).toContain(deadOne.id);
    expect(all.filter((item) => item.status !== "dead").every((item) => !dead.includes(item.id))).toBe(true);

    const after = pageText((await browser.get(`/portal/deliveries?cursor=${all[0]!.position}`)).html);
    expect(after).not.toContain(all[0]!.id);
    expect(after).toContain(all[2]!.id);

    const invalid = await browser.get("/portal/deliveries?status=bogus");
    expect(invalid.status).toBe(400);
    expect(pageText(invalid.html)).toContain("VALIDATION_FAILED");
  });

  it("shows a delivery's attempts with the response excerpt", async () => {
    receiver = startReceiver(() => new Response("receiver says: database locked", { status: 503 }));
    const tenant = await createTenant("pdel");
    await subscribe(tenant, { url: receiver.url, maxAttempts: 2, retryDelaysMs: [1] });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [delivery] = await deliveries(tenant);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get(`/portal/deliveries/${delivery!.id}`);
    expect(page.status).toBe(200);
    const text = pageText(page.html);
    expect(text).toContain("dead");
    expect(text).toMatch(/Attempts # Time Duration Status Error Response body 1 \S+ \S+ \d+ ms 503/);
    expect(page.html).toContain("<pre>receiver says: database locked</pre>");
    expect((page.html.match(/<pre>receiver says/g) ?? []).length).toBe(2);
  });

  it("replays a delivery as a new one that the receiver gets, landing on the new delivery's page", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("pdel");
    await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [original] = await deliveries(tenant);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/deliveries/${original!.id}`);
    const replayed = await browser.post(`/portal/deliveries/${original!.id}/replay`);
    expect(replayed.status).toBe(303);
    const replayId = /\/portal\/deliveries\/([^?]+)/.exec(replayed.location!)![1]!;
    expect(replayId).not.toBe(original!.id);
    expect(flash(replayed.location, "notice")).toContain(replayId);
    await settle(tenant.id);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.headers.get("webhook-id")).toBe(replayId);
    const page = pageText((await browser.get(replayed.location!)).html);
    expect(page).toContain(`Replay of ${original!.id}`);
    expect(page).toContain("delivered");
  });

  it("skip: the API's refusal for a delivered one is shown; a blocked head is skipped", async () => {
    receiver = startReceiver((request) => (n(request) === 1 ? new Response("no", { status: 500 }) : new Response("ok")));
    const tenant = await createTenant("pdel");
    await subscribe(tenant, { url: receiver.url, maxAttempts: 1, deadLetterPolicy: "block" });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const [blocked, held] = await deliveries(tenant);
    expect(blocked).toMatchObject({ status: "blocked" });
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get(`/portal/deliveries/${blocked!.id}`);
    const skipped = await browser.post(`/portal/deliveries/${blocked!.id}/skip`);
    expect(skipped.status).toBe(303);
    expect(flash(skipped.location, "notice")).toContain("Skipped");
    await settle(tenant.id);
    expect((await deliveries(tenant)).map((item) => item.status)).toEqual(["skipped", "delivered"]);

    const refused = await browser.post(`/portal/deliveries/${held!.id}/skip`);
    expect(refused.status).toBe(303);
    expect(refused.location).toContain(`/portal/deliveries/${held!.id}?`);
    expect(flash(refused.location, "error")).toContain("only a pending or blocked one can be skipped (CONFLICT)");
    expect(pageText((await browser.get(refused.location!)).html)).toContain("only a pending or blocked one can be skipped");
    expect((await deliveries(tenant)).map((item) => item.status)).toEqual(["skipped", "delivered"]);
  });

  it("replays since an event seq from the subscription page", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("pdel");
    const id = await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    await createEntry(tenant, { n: 2 });
    await settle(tenant.id);
    const [, second] = await deliveries(tenant);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    expect(pageText((await browser.get(`/portal/subscriptions/${id}`)).html)).toContain("Since (ISO time or seq)");
    const replayed = await browser.post(`/portal/subscriptions/${id}/replay`, { since: String(second!.eventSeq) });
    expect(replayed.status).toBe(303);
    expect(flash(replayed.location, "notice")).toContain("Queued 1 replays");
    await settle(tenant.id);
    expect(receiver.received.map(n)).toEqual([1, 2, 2]);

    const invalid = await browser.post(`/portal/subscriptions/${id}/replay`, { since: "yesterday" });
    expect(flash(invalid.location, "error")).toContain("since: Invalid ISO datetime");
  });

  describe("security", () => {
    it("without a session the pages and actions send to sign-in", async () => {
      const tenant = await createTenant("pdel");
      const browser = new PortalBrowser(tenant.slug);
      for (const path of ["/portal/deliveries", "/portal/deliveries/msg_1_WBH000000000001"]) {
        const response = await browser.get(path);
        expect(response.status).toBe(303);
        expect(response.location).toMatch(/^\/portal\/login/);
      }
      const posted = await browser.post("/portal/deliveries/msg_1_WBH000000000001/replay", { _csrf: "x" });
      expect(posted.status).toBe(303);
      expect(posted.location).toMatch(/^\/portal\/login/);
    });

    it("another tenant's session can neither see, replay nor skip this tenant's delivery", async () => {
      receiver = startReceiver(() => new Response("no", { status: 500 }));
      const tenant = await createTenant("pdel");
      const other = await createTenant("pdel");
      await subscribe(tenant, { url: receiver.url, maxAttempts: 1, deadLetterPolicy: "block" });
      await createEntry(tenant, { n: 1 });
      await settle(tenant.id);
      const [delivery] = await deliveries(tenant);
      const browser = await new PortalBrowser(other.slug).signedIn(other.key);
      const page = await browser.get(`/portal/deliveries/${delivery!.id}`);
      expect(page.status).toBe(404);
      expect(page.html).not.toContain(receiver.url);
      for (const action of ["replay", "skip"]) {
        const response = await browser.post(`/portal/deliveries/${delivery!.id}/${action}`);
        expect(response.status).toBe(303);
        expect(flash(response.location, "error")).toContain("No delivery");
      }
      expect(pageText((await browser.get("/portal/deliveries")).html)).not.toContain(delivery!.id);
      await settle(tenant.id);
      expect(await deliveries(tenant)).toEqual([delivery]);
      expect(receiver.received).toHaveLength(1);
    });
  });
});
