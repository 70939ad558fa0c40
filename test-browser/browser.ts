/**
 * Debian's chromium driven by playwright-core, and the helpers every portal test uses: the tenant's portal URL,
 * signing in through the form, full-page screenshots at both widths, and the no-horizontal-overflow check.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { expect } from "vitest";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(process.cwd(), "test", "artifacts", "screenshots");
export const WIDE = { width: 1440, height: 900 };
export const NARROW = { width: 375, height: 800 };

/**
 * Headless, no sandbox (containers), and no background traffic: on a closed network Chromium's own update,
 * sync and QUIC probes only fail. Playwright gives every launch a new, empty user-data-dir.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** The tenant host form: Chromium resolves *.localhost to loopback. */
export const portalUrl = (port: number, path = "", tenant = "acme") => `http://${tenant}.localhost:${port}/portal${path}`;

/** The path of a portal URL without its query (the flash message). */
export const pathOf = (page: Page) => new URL(page.url()).pathname;

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** Script errors and console errors (a CSP violation is one) seen so far; tests expect none. */
  errors: string[];
}

export async function newPage(browser: Browser, viewport = WIDE): Promise<OpenPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  // Forms marked data-confirm ask before they submit; the tests answer yes (Playwright would dismiss).
  page.on("dialog", (dialog) => void dialog.accept());
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
  page.on("console", (message) => {
    // "Failed to load resource" also reports expected 4xx pages (a refused sign-in); failed subresources are
    // caught below instead. A CSP violation ("Refused to …") stays an error.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("response", (response) => {
    const request = response.request();
    const subresource = request.resourceType() !== "document" && !request.url().endsWith("/favicon.ico");
    if (subresource && response.status() >= 400) errors.push(`${request.resourceType()} ${request.url()}: ${response.status()}`);
  });
  return { context, page, errors };
}

export async function signIn(page: Page, port: number, apiKey: string, tenant = "acme"): Promise<void> {
  await page.goto(portalUrl(port, "/login", tenant));
  await page.getByLabel("API key").fill(apiKey);
  await page.getByRole("button", { name: "Sign in with API key" }).click();
  await page.waitForURL((url) => !url.pathname.endsWith("/login"));
}

/**
 * Saves test/artifacts/screenshots/<name>-<width>.png (full page). `viewportOnly` also saves what fits the
 * viewport to screenshots/readme/ (the README's pictures, copied to docs/ by `npm run screenshots`).
 */
export async function screenshot(page: Page, name: string, options: { viewportOnly?: boolean } = {}): Promise<void> {
  const width = page.viewportSize()?.width ?? 0;
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
  if (options.viewportOnly) {
    mkdirSync(join(SCREENSHOTS, "readme"), { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, "readme", `${name}-${width}.png`) });
  }
}

/** Nothing on the page is wider than the viewport (no sideways scrolling at 375 px). */
export async function expectNoHorizontalOverflow(page: Page, label: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
  // Soft: one run reports every page that overflows, not just the first.
  expect.soft(scrollWidth, `${label}: page is ${scrollWidth}px wide in a ${innerWidth}px viewport`).toBeLessThanOrEqual(innerWidth);
}
