import { afterEach, describe, expect, it } from "vitest";
import { createTenant } from "../helpers";
import { createEntry, listDeliveries, settle, startReceiver, subscribe, type Receiver } from "../delivery/harness";
import { PortalBrowser, flashOf, pageText } from "./portal-client";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

const deliveries = listDeliveries;
const flash = flashOf;
const n = (request: { json: Record<string, unknown> }) => (request.json.entry_details as { n: number }).n;

/** A tenant whose receiver fails every attempt of a one-attempt schedule: each entry becomes a dead letter. */
async function tenantWithDeadLetters(count: number) {
  let healthy = false;
  receiver = startReceiver(() => (healthy ? new Response("ok") : new Response("down", { status: 500 })));
  const tenant = await createTenant("pdead");
  await subscribe(tenant, { url: receiver.url, maxAttempts: 1 });
  for (let index = 1; index <= count; index++) await createEntry(tenant, { n: index });
  await settle(tenant.id);
  return { tenant, heal: () => (healthy = true), dead: await deliveries(tenant, "?status=dead") };
}

describe("portal: dead letters", () => {
  it("lists the dead letters with a labelled checkbox each and a select-all", async () => {
    const { tenant, dead } = await tenantWithDeadLetters(2);
    expect(dead).toHaveLength(2);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    const page = await browser.get("/portal/dead-letters");
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<input type="checkbox" id="select-all" data-select-all="delivery"\/?>\s*<label for="select-all">Select all<\/label>/);
    for (const delivery of dead) {
      expect(page.html).toMatch(new RegExp(`id="(delivery-\\d+)" name="delivery" value="${delivery.id}"/?>\\s*<label for="\\1"[^>]*>Select ${delivery.id}</label>`));
    }
    expect(pageText(page.html)).toContain("Replay selected");
  });

  it("replays the selected dead letters in event order and reports the count and the failures by id", async () => {
    const { tenant, heal, dead } = await tenantWithDeadLetters(3);
    heal();
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/dead-letters");
    const selected = [dead[2]!.id, "msg_999_WBH000000000999", dead[0]!.id];
    const response = await browser.post("/portal/dead-letters/replay", { delivery: selected });
    expect(response.status).toBe(303);
    expect(flash(response.location, "notice")).toBe("Replayed 2 deliveries.");
    expect(flash(response.location, "error")).toContain("msg_999_WBH000000000999: No delivery");
    await settle(tenant.id);
    expect(receiver!.received.slice(3).map(n)).toEqual([1, 3]);
    const replays = (await deliveries(tenant)).filter((item) => item.replayOf);
    expect(replays.map((item) => [item.replayOf, item.status])).toEqual([
      [dead[0]!.id, "delivered"],
      [dead[2]!.id, "delivered"],
    ]);
    const page = pageText((await browser.get(response.location!)).html);
    expect(page).toContain("Replayed 2 deliveries.");
    expect(page).toContain("msg_999_WBH000000000999");
  });

  it("replaying nothing selected is an error and sends nothing", async () => {
    const { tenant, dead } = await tenantWithDeadLetters(1);
    const browser = await new PortalBrowser(tenant.slug).signedIn(tenant.key);
    await browser.get("/portal/dead-letters");
    const response = await browser.post("/portal/dead-letters/replay", {});
    expect(flash(response.location, "error")).toContain("Select at least one");
    expect(await deliveries(tenant)).toEqual(dead);
  });

  describe("security", () => {
    it("without a session the page and the bulk replay send to sign-in", async () => {
      const tenant = await createTenant("pdead");
      const browser = new PortalBrowser(tenant.slug);
      const page = await browser.get("/portal/dead-letters");
      expect(page.status).toBe(303);
      expect(page.location).toMatch(/^\/portal\/login/);
      const posted = await browser.post("/portal/dead-letters/replay", { _csrf: "x", delivery: "msg_1_WBH000000000001" });
      expect(posted.status).toBe(303);
      expect(posted.location).toMatch(/^\/portal\/login/);
    });

    it("another tenant's session neither sees nor replays this tenant's dead letters", async () => {
      const { tenant, dead } = await tenantWithDeadLetters(1);
      const other = await createTenant("pdead");
      const browser = await new PortalBrowser(other.slug).signedIn(other.key);
      expect(pageText((await browser.get("/portal/dead-letters")).html)).toContain("No dead letters.");
      const response = await browser.post("/portal/dead-letters/replay", { delivery: dead[0]!.id });
      expect(flash(response.location, "notice")).toBe("Replayed 0 deliveries.");
      expect(flash(response.location, "error")).toContain(`${dead[0]!.id}: No delivery`);
      await settle(tenant.id);
      expect(await deliveries(tenant)).toEqual(dead);
      expect(receiver!.received).toHaveLength(1);
    });
  });
});
