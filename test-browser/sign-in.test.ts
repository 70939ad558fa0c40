/** Signing in and out through the form, and the sign-in page's keyboard order. */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser } from "playwright-core";
import { expectNoHorizontalOverflow, launchBrowser, NARROW, newPage, portalUrl, screenshot, signIn, WIDE } from "./browser";

const gateway = inject("gateway");
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("sign-in", () => {
  it("a wrong API key shows an error and stays on the sign-in page", async () => {
    const { page, errors, context } = await newPage(browser);
    await page.goto(portalUrl(gateway.port));
    // Not signed in: the portal sends the browser to the sign-in form.
    await expect.poll(() => new URL(page.url()).pathname).toBe("/portal/login");
    await page.getByLabel("API key").fill("hg_not_a_real_key_0000000000000000");
    await page.getByRole("button", { name: "Sign in with API key" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toBeTruthy();
    expect(new URL(page.url()).pathname).toBe("/portal/login");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("Sign in");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("the demo key signs in to the overview, and Sign out returns to the sign-in page", async () => {
    const { page, errors, context } = await newPage(browser);
    await signIn(page, gateway.port, gateway.apiKey);
    expect(new URL(page.url()).pathname).toBe("/portal");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toBe("Overview");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/portal/login");
    expect(await page.getByRole("status").textContent()).toContain("signed out");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("the service account signs in too", async () => {
    const { page, errors, context } = await newPage(browser);
    await page.goto(portalUrl(gateway.port, "/login"));
    await page.getByLabel("Email").fill(gateway.serviceEmail);
    await page.getByLabel("Password").fill(gateway.servicePassword);
    await page.getByRole("button", { name: "Sign in with service account" }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe("/portal");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("keyboard: Tab from the top reaches the sign-in fields by label, and Enter submits", async () => {
    const { page, errors, context } = await newPage(browser);
    await page.goto(portalUrl(gateway.port, "/login"));
    const focused = () => page.evaluate(() => {
      const element = document.activeElement as HTMLInputElement | HTMLButtonElement | null;
      const label = element && "labels" in element && element.labels?.[0]?.textContent;
      return { tag: element?.tagName.toLowerCase(), name: label || element?.textContent?.trim() || "" };
    });
    await page.keyboard.press("Tab");
    expect(await focused()).toEqual({ tag: "input", name: "API key" });
    await page.keyboard.type(gateway.apiKey);
    await page.keyboard.press("Tab");
    expect(await focused()).toEqual({ tag: "button", name: "Sign in with API key" });
    await page.keyboard.press("Tab");
    expect(await focused()).toEqual({ tag: "input", name: "Email" });
    await page.keyboard.press("Tab");
    expect(await focused()).toEqual({ tag: "input", name: "Password" });
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    expect(await focused()).toEqual({ tag: "input", name: "API key" });
    await page.keyboard.press("Enter");
    await expect.poll(() => new URL(page.url()).pathname).toBe("/portal");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("keyboard: on a signed-in page the first Tab reaches the skip link, which moves focus to the content", async () => {
    const { page, errors, context } = await newPage(browser);
    await signIn(page, gateway.port, gateway.apiKey);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("the sign-in page fits 375 px and 1440 px (screenshots)", async () => {
    for (const viewport of [WIDE, NARROW]) {
      const { page, errors, context } = await newPage(browser, viewport);
      await page.goto(portalUrl(gateway.port, "/login"));
      await expectNoHorizontalOverflow(page, "sign-in");
      await screenshot(page, "sign-in");
      expect(errors).toEqual([]);
      await context.close();
    }
  });
});
