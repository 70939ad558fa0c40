/**
 * The portal under /t/{tenant}/portal (for clients that cannot use the tenant host): sign in there, and every
 * page's links and form actions stay under that prefix — none points at a bare /portal.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, newPage } from "./browser";

const gateway = inject("gateway");
const base = `${gateway.origin}/t/acme/portal`;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("the /t/{tenant}/portal path form", () => {
  it("signs in and keeps every link and form on every page under the prefix", async () => {
    const { page, errors, context } = await newPage(browser);
    await page.goto(`${base}/login`);
    await page.getByLabel("API key").fill(gateway.apiKey);
    await page.getByRole("button", { name: "Sign in with API key" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/t/acme/portal");

    const navigation = await page.getByRole("navigation", { name: "Portal" }).getByRole("link").evaluateAll((links) => links.map((link) => (link as HTMLAnchorElement).href));
    expect(navigation.length).toBeGreaterThanOrEqual(9);
    // Every portal page reachable by links from the navigation (detail pages included), bounded.
    const queue = [...navigation, ...["/subscriptions/new", "/inbound-hooks/new"].map((path) => `${base}${path}`)];
    const seen = new Set<string>();
    while (queue.length > 0 && seen.size < 60) {
      const url = queue.shift() ?? "";
      if (seen.has(url)) continue;
      seen.add(url);
      const response = await page.goto(url);
      expect.soft(response?.status(), url).toBe(200);
      const { links, actions } = await page.evaluate(() => ({
        links: [...document.querySelectorAll<HTMLAnchorElement>("a[href]")].map((link) => link.href),
        actions: [
          // getAttribute: `form.action` is shadowed by a control named "action" (the lifecycle form has one).
          ...[...document.querySelectorAll<HTMLFormElement>("form")].map((form) => new URL(form.getAttribute("action") ?? "", location.href).href),
          ...[...document.querySelectorAll<HTMLButtonElement>("button[formaction]")].map((button) => button.formAction),
        ],
      }));
      const local = (targets: string[]) => targets.filter((target) => target.startsWith(gateway.origin)).map((target) => target.split("#")[0] ?? "");
      const outside = [...local(links), ...local(actions)].filter((target) => !new URL(target).pathname.startsWith("/t/acme/portal"));
      expect.soft(outside, `links and forms on ${url}`).toEqual([]);
      // Links are followed (GET pages); form actions are only checked.
      for (const target of local(links)) {
        const path = new URL(target).pathname;
        if (path.startsWith("/t/acme/portal/") && !path.startsWith("/t/acme/portal/assets/") && !seen.has(target)) queue.push(target);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(11);
    expect(errors).toEqual([]);
    await context.close();
  });
});
