import { afterEach, describe, expect, it } from "vitest";
import { createTenant } from "../helpers";
import type { Receiver } from "../delivery/harness";
import { tenantWithTraffic } from "../stats/traffic";
import { PortalBrowser, pageText } from "./portal-client";

let receiver: Receiver | undefined;
afterEach(() => receiver?.restore());

/** The text of the card whose label is `label`: "<value> <label> <hint>". */
const card = (html: string, label: string): string => {
  const match = new RegExp(`<div class="card">((?:(?!<div class="card">)[\\s\\S])*?<span class="label">${label}</span>[\\s\\S]*?)</div>`).exec(html);
  return match ? pageText(match[1]!) : "";
};

describe("portal overview", () => {
  it("shows the last hour's events, deliveries, success rate, stream lag, breakers, dead letters, the chart and the blocked stream", async () => {
    const traffic = await tenantWithTraffic();
    receiver = traffic.receiver;
    const browser = await new PortalBrowser(traffic.tenant.slug).signedIn(traffic.tenant.key);
    const page = await browser.get("/portal");
    expect(page.status).toBe(200);
    expect(card(page.html, "Events \\(1h\\)")).toMatch(/^2 Events \(1h\)/);
    expect(card(page.html, "Deliveries \\(1h\\)")).toMatch(/^4 Deliveries \(1h\) 2 succeeded · 2 failed/);
    expect(card(page.html, "Success rate")).toMatch(/^50% Success rate/);
    expect(card(page.html, "Max stream lag")).toMatch(/^[1-9]\d* Max stream lag/);
    expect(card(page.html, "Open breakers")).toMatch(/^0 Open breakers/);
    expect(card(page.html, "Dead letters")).toMatch(/^1 Dead letters/);

    expect(page.html).toMatch(/<svg class="chart" role="img" aria-label="[^"]*2 events, 2 deliveries succeeded, 2 failed"/);
    expect(page.html.match(/<g><title>/g)).toHaveLength(12);
    expect(page.html).not.toMatch(/style=/);

    // Only the blocked stream (behind the 500 receiver) needs attention; the caught-up one is not listed.
    const table = page.html.slice(page.html.indexOf("Streams needing attention</h2>"));
    expect(table.match(/<tbody>[\s\S]*<\/tbody>/)![0].match(/<tr>/g)).toHaveLength(1);
    expect(pageText(table)).toContain("blocked");
  });

  it("shows zeros and no streams for a quiet tenant", async () => {
    const tenant = await createTenant("overview");
    const page = await (await new PortalBrowser(tenant.slug).signedIn(tenant.key)).get("/portal");
    expect(page.status).toBe(200);
    expect(card(page.html, "Events \\(1h\\)")).toMatch(/^0 /);
    expect(card(page.html, "Success rate")).toMatch(/^— /);
    expect(pageText(page.html)).toContain("All streams are caught up");
  });

  it("works under /t/{tenant} too", async () => {
    const tenant = await createTenant("overview");
    const browser = await new PortalBrowser(tenant.slug, `/t/${tenant.slug}`).signedIn(tenant.key);
    const page = await browser.get("/portal");
    expect(page.status).toBe(200);
    expect(page.html).toContain(`href="/t/${tenant.slug}/portal/dead-letters"`);
  });

  it("sends a visitor without a session, or with another tenant's session, to sign-in", async () => {
    const tenant = await createTenant("overview");
    const other = await createTenant("overview");
    expect((await new PortalBrowser(tenant.slug).get("/portal")).status).toBe(303);
    const otherSession = await new PortalBrowser(other.slug).signedIn(other.key);
    const intruder = new PortalBrowser(tenant.slug);
    for (const [name, value] of otherSession.cookies) intruder.cookies.set(name, value);
    const page = await intruder.get("/portal");
    expect(page.status).toBe(303);
    expect(page.location).toContain("/portal/login");
  });
});
