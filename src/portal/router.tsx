/**
 * The tenant portal at `/portal` (on the tenant's host, or under /t/{tenant}): sign-in, then one page file per
 * NAV entry (pages/). Mounted by app.ts next to the tenant API; `dispatch` is the app itself, which pages call
 * through `c.get("api")`.
 */
import { boundedBody } from "../http/bounded-body";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { PortalEnv } from "./portal-env";
import type { Dispatch } from "./api-client";
import { resolveTenant } from "../tenancy/resolve-tenant";
import { toAppError } from "../runtime/errors";
import { PORTAL_CSS, PORTAL_JS } from "./assets";
import { signInRoutes, signOutRoutes } from "./sign-in";
import { portalSession } from "./session-middleware";
import { Document } from "./layout";
import { overviewPage } from "./pages/overview";
import { inboundRequestsPage } from "./pages/inbound-requests";
import { subscriptionsPage } from "./pages/subscriptions";
import { deliveriesPage } from "./pages/deliveries";
import { deadLettersPage } from "./pages/dead-letters";
import { alertsPage } from "./pages/alerts";
import { inboundHooksPage } from "./pages/inbound-hooks";
import { lifecycleHooksPage } from "./pages/lifecycle-hooks";
import { destinationsPage } from "./pages/destinations";
import { apiKeysPage } from "./pages/api-keys";
import { auditLogPage } from "./pages/audit-log";

/** Scripts and styles only from the Worker itself; no framing; nothing cached; no Referer to other sites. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const portalContext = createMiddleware<PortalEnv>(async (c, next) => {
  const slug = c.req.param("tenant");
  c.set("base", slug ? `/t/${slug}` : "");
  await next();
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  c.header("X-Frame-Options", "DENY");
  // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on form POSTs, which the CSRF
  // origin check (csrf.ts) must refuse; same-origin still sends nothing to other sites.
  c.header("Referrer-Policy", "same-origin");
  c.header("X-Content-Type-Options", "nosniff");
  if (!c.res.headers.has("Cache-Control")) c.header("Cache-Control", "no-store");
});

const asset = (body: string, type: string) => () =>
  new Response(body, { headers: { "content-type": `${type}; charset=utf-8`, "cache-control": "public, max-age=300" } });

export function portalRoutes(dispatch: Dispatch) {
  const portal = new Hono<PortalEnv>()
    // Every form (sign-in included) is read under MAX_BODY_BYTES before it is parsed or a password checked.
    .use("*", resolveTenant(), portalContext, boundedBody())
    .get("/assets/portal.css", asset(PORTAL_CSS, "text/css"))
    .get("/assets/portal.js", asset(PORTAL_JS, "text/javascript"))
    .route("/", signInRoutes)
    .use("*", portalSession(dispatch))
    .route("/", signOutRoutes)
    .route("/", overviewPage)
    .route("/", inboundRequestsPage)
    .route("/", subscriptionsPage)
    .route("/", deliveriesPage)
    .route("/", deadLettersPage)
    .route("/", alertsPage)
    .route("/", inboundHooksPage)
    .route("/", lifecycleHooksPage)
    .route("/", destinationsPage)
    .route("/", apiKeysPage)
    .route("/", auditLogPage);

  portal.onError((error, c) => {
    const appError = toAppError(error);
    if (appError.status >= 500) console.error(JSON.stringify({ msg: "portal error", requestId: c.get("requestId"), error: String(error) }));
    return c.html(
      <Document title="Error" base={c.get("base") ?? ""}>
        <main id="main" class="signin">
          <h1>{appError.status === 404 ? "Not found" : "Something went wrong"}</h1>
          <p>{appError.message}</p>
          <p class="hint">Code <code>{appError.code}</code> · request <code>{c.get("requestId")}</code></p>
          <p><a href={`${c.get("base") ?? ""}/portal`}>Back to the portal</a></p>
        </main>
      </Document>,
      appError.status as 400,
    );
  });
  return new Hono<PortalEnv>().route("/portal", portal);
}
