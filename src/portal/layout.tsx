/**
 * The portal's page frame: skip link, header with the tenant and sign-out, navigation, flash messages from
 * the query string (?notice= / ?error=, set by redirects after a form), then the page. Server-rendered with
 * hono/jsx; styling and the small client script are static assets (assets.ts).
 */
import type { Child } from "hono/jsx";
import type { Context } from "hono";
import type { PortalEnv } from "./portal-env";
import { CSRF_FIELD } from "./csrf";

export const NAV = [
  { path: "", label: "Overview" },
  { path: "/inbound-requests", label: "Inbound log" },
  { path: "/subscriptions", label: "Subscriptions" },
  { path: "/deliveries", label: "Deliveries" },
  { path: "/dead-letters", label: "Dead letters" },
  { path: "/alerts", label: "Alerts" },
  { path: "/inbound-hooks", label: "Inbound hooks" },
  { path: "/lifecycle-hooks", label: "Lifecycle hooks" },
  { path: "/destinations", label: "Destinations" },
  { path: "/api-keys", label: "API keys" },
  { path: "/audit-log", label: "Audit log" },
] as const;

/** `/portal…` under this request's base (tenant host or /t/{slug}). */
export const portalPath = (c: Context<PortalEnv>, path = ""): string => `${c.get("base")}/portal${path}`;

export function Document(props: { title: string; base: string; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* No favicon: say so, so browsers don't request /favicon.ico (a 404 in the console). */}
        <link rel="icon" href="data:," />
        <title>{`${props.title} · Hookgate`}</title>
        <link rel="stylesheet" href={`${props.base}/portal/assets/portal.css`} />
        <script src={`${props.base}/portal/assets/portal.js`} defer></script>
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/** The CSRF token every form must post (the session middleware checks it on every POST). */
export const CsrfField = (props: { token: string }) => <input type="hidden" name={CSRF_FIELD} value={props.token} />;

export function Flash(props: { notice?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {props.notice ? <p class="flash notice" role="status">{props.notice}</p> : null}
      {props.error ? <p class="flash error" role="alert">{props.error}</p> : null}
    </>
  );
}

/** Renders a signed-in page. `active` is the NAV path the page belongs to. */
export function renderPage(c: Context<PortalEnv>, page: { title: string; active: string; body: Child; status?: 200 | 201 | 400 | 403 | 404 | 409 | 422 }) {
  const base = c.get("base");
  const session = c.get("session");
  const tenant = c.get("tenant");
  const html = (
    <Document title={page.title} base={base}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <a class="brand" href={portalPath(c)}>Hookgate</a>
        <span class="tenant" title="Tenant">{tenant.slug}</span>
        <span class="who">{session.nam}</span>
        <form method="post" action={portalPath(c, "/logout")} class="inline">
          <CsrfField token={session.csrf} />
          <button type="submit" class="link">Sign out</button>
        </form>
      </header>
      <nav class="side" aria-label="Portal">
        <ul>
          {NAV.map((item) => (
            <li>
              <a href={portalPath(c, item.path)} aria-current={item.path === page.active ? "page" : undefined}>{item.label}</a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabindex={-1}>
        <h1>{page.title}</h1>
        <Flash notice={c.req.query("notice")} error={c.req.query("error")} />
        {page.body}
      </main>
    </Document>
  );
  return c.html(html, page.status ?? 200);
}

/** After a form: back to a page with a message (POST/redirect/GET, so reload never re-submits). */
export function redirectWith(c: Context<PortalEnv>, path: string, message: { notice: string } | { error: string }) {
  const url = new URL(portalPath(c, path), c.req.url);
  if ("notice" in message) url.searchParams.set("notice", message.notice);
  else url.searchParams.set("error", message.error);
  return c.redirect(url.pathname + url.search, 303);
}
