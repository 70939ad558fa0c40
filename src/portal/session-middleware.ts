/**
 * Guards every signed-in portal route: a valid, live session (else back to sign-in), the CSRF field on every
 * form post, and a same-origin check. Sets `session`, `principal` and `api` (the tenant API as this user), and
 * renews the cookie when the session is past half its life.
 */
import { createMiddleware } from "hono/factory";
import { getCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import type { PortalEnv } from "./portal-env";
import { CSRF_FIELD, crossOrigin, csrfMatches } from "./csrf";
import { SESSION_COOKIE, SESSION_TTL_SECONDS, issueSession, liveSessionPrincipal, needsRenewal, verifySessionToken } from "./session";
import { portalApiClient, type Dispatch } from "./api-client";
import { portalPath } from "./layout";
import { cookieOptions } from "./sign-in";

function toSignIn(c: Context<PortalEnv>, message?: string) {
  const url = new URL(portalPath(c, "/login"), c.req.url);
  // Only GETs come back to where they were: re-posting a form after sign-in would replay it.
  if (c.req.method === "GET") url.searchParams.set("next", new URL(c.req.url).pathname + new URL(c.req.url).search);
  if (message) url.searchParams.set("notice", message);
  return c.redirect(url.pathname + url.search, 303);
}

export const portalSession = (dispatch: Dispatch) =>
  createMiddleware<PortalEnv>(async (c, next) => {
    const config = c.get("config");
    const token = getCookie(c, SESSION_COOKIE);
    const claims = token ? await verifySessionToken(config.MASTER_KEY, c.get("tenant").id, token) : null;
    const principal = claims ? await liveSessionPrincipal(c.get("db"), claims) : null;
    if (!claims || !principal) return toSignIn(c, token ? "Your session ended. Sign in again." : undefined);

    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const form = await c.req.parseBody();
      if (crossOrigin(c.req.raw) || !(await csrfMatches(claims.csrf, form[CSRF_FIELD]))) {
        return c.html("<!doctype html><title>Form expired</title><p>This form expired or came from another site. Go back, reload the page and try again.</p>", 403);
      }
    }
    if (needsRenewal(claims)) {
      const renewed = await issueSession(config.MASTER_KEY, { principal, displayName: claims.nam }, undefined, claims);
      setCookie(c, SESSION_COOKIE, renewed.token, cookieOptions(c, SESSION_TTL_SECONDS));
    }
    c.set("session", claims);
    c.set("principal", principal);
    // The API sees who signed in to the portal (its audit log names them): the account's email, or the key's id.
    const portalSignIn = claims.knd === "service_account" ? claims.nam : claims.sub;
    const apiRoot = new URL(c.req.url).origin + c.get("base");
    c.set("api", portalApiClient({ dispatch, env: c.env, executionCtx: c.executionCtx, apiRoot, principal: { ...principal, portalSignIn } }));
    await next();
  });
