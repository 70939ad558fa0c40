/**
 * Sign-in and sign-out. A tenant API key or a service account (email + password) with the `api` scope signs
 * in; the session cookie then carries only a signed token (session.ts). Sign-ins are throttled like the API's
 * (auth/throttled-sign-in.ts, per account and per client address), so the form is no faster a way to guess
 * passwords than the API; a throttled sign-in shows the page with 429 and Retry-After.
 */
import { Hono, type Context } from "hono";
import type { Child } from "hono/jsx";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { CookieOptions } from "hono/utils/cookie";
import { eq } from "drizzle-orm";
import { apiKeys } from "../db/schema";
import { AppError } from "../runtime/errors";
import { apiKeyPrincipal } from "../auth/authenticate";
import { passwordSignIn } from "../auth/password-sign-in";
import { throttledSignIn } from "../auth/throttled-sign-in";
import { addressKey } from "../auth/sign-in-throttle";
import { randomBytes, toHex } from "../runtime/crypto";
import { hasScope, type Principal } from "../auth/principal";
import type { PortalEnv } from "./portal-env";
import { CSRF_FIELD, SIGN_IN_CSRF_COOKIE, crossOrigin, csrfMatches } from "./csrf";
import { SESSION_COOKIE, SESSION_TTL_SECONDS, issueSession, revokeSession, type SessionSubject } from "./session";
import { CsrfField, Document, Flash, portalPath } from "./layout";

export function cookieOptions(c: Context<PortalEnv>, maxAge: number): CookieOptions {
  return {
    path: portalPath(c),
    httpOnly: true,
    // Browsers refuse Secure cookies over http://localhost in some versions; production is always https.
    secure: c.get("config").httpsOnly,
    sameSite: "Strict",
    maxAge,
  };
}

/** Only a path inside this portal may be the after-sign-in destination (no open redirect). */
function safeNext(c: Context<PortalEnv>, next: unknown): string {
  const home = portalPath(c);
  if (typeof next !== "string" || !next.startsWith(home) || next.startsWith("//") || next.includes("\\")) return home;
  return next;
}

/** One way to sign in: its own form (CSRF token, where to go next), its fields, and a button naming the method. */
function SignInForm(props: {
  action: string;
  csrf: string;
  next: string;
  method: "api_key" | "service_account";
  legend: string;
  button: string;
  children: Child;
}) {
  return (
    <form method="post" action={props.action}>
      <CsrfField token={props.csrf} />
      <input type="hidden" name="next" value={props.next} />
      <fieldset>
        <legend>{props.legend}</legend>
        {props.children}
        <button type="submit" class="primary" name="method" value={props.method}>{props.button}</button>
      </fieldset>
    </form>
  );
}

function SignInPage(props: { c: Context<PortalEnv>; csrf: string; next: string; error?: string | undefined; notice?: string | undefined }) {
  const { c } = props;
  const tenant = c.get("tenant");
  const action = portalPath(c, "/login");
  return (
    <Document title="Sign in" base={c.get("base")}>
      <main id="main" class="signin">
        <h1>Sign in to {tenant.name}</h1>
        <p class="hint">Tenant <code>{tenant.slug}</code>. Use an API key or a service account that has the <code>api</code> scope.</p>
        <Flash notice={props.notice} error={props.error} />
        <SignInForm action={action} csrf={props.csrf} next={props.next} method="api_key" legend="API key" button="Sign in with API key">
          <div>
            <label for="api_key">API key</label>
            <input id="api_key" name="api_key" type="password" autocomplete="off" placeholder="hg_…" />
          </div>
        </SignInForm>
        <SignInForm action={action} csrf={props.csrf} next={props.next} method="service_account" legend="Service account" button="Sign in with service account">
          <div>
            <label for="email">Email</label>
            <input id="email" name="email" type="email" autocomplete="username" />
          </div>
          <div>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" />
          </div>
        </SignInForm>
      </main>
    </Document>
  );
}

async function renderSignIn(c: Context<PortalEnv>, status: 200 | 400 | 401 | 403 | 429, messages: { error?: string; notice?: string }, next: string) {
  const csrf = toHex(randomBytes(16));
  setCookie(c, SIGN_IN_CSRF_COOKIE, csrf, cookieOptions(c, 30 * 60));
  return c.html(<SignInPage c={c} csrf={csrf} next={next} error={messages.error} notice={messages.notice} />, status);
}

/** Checks the submitted credential; an AppError's message is what the form shows. */
async function signInSubject(c: Context<PortalEnv>, form: Record<string, unknown>): Promise<SessionSubject> {
  const tenantId = c.get("tenant").id;
  const db = c.get("db");
  const connectingIp = c.req.header("cf-connecting-ip");
  const text = (name: string) => (typeof form[name] === "string" ? (form[name] as string).trim() : "");
  let principal: Principal;
  let displayName: string;
  if (form.method === "service_account") {
    const email = text("email").toLowerCase();
    const password = typeof form.password === "string" ? form.password : "";
    if (!email || !password) throw new AppError("VALIDATION_FAILED", "Enter the service account's email and password");
    principal = await passwordSignIn(db, { tenantId, email, password, connectingIp });
    displayName = email;
  } else {
    const key = text("api_key");
    if (!key) throw new AppError("VALIDATION_FAILED", "Enter an API key");
    const now = Date.now();
    const defer = (work: Promise<unknown>) => c.executionCtx.waitUntil(work.catch(() => undefined));
    principal = await throttledSignIn(db, { address: addressKey(tenantId, connectingIp) }, now, () => apiKeyPrincipal(c.env, db, tenantId, key, now, defer));
    const row = await db.select({ name: apiKeys.name }).from(apiKeys).where(eq(apiKeys.id, principal.id)).get();
    displayName = `API key “${row?.name ?? principal.id}”`;
  }
  if (!hasScope(principal, "api")) throw new AppError("FORBIDDEN", "This credential has no 'api' scope, so it cannot manage the tenant");
  return { principal, displayName };
}

export const signInRoutes = new Hono<PortalEnv>()
  .get("/login", (c) => renderSignIn(c, 200, { notice: c.req.query("notice") ?? undefined }, safeNext(c, c.req.query("next"))))
  .post("/login", async (c) => {
    const form = await c.req.parseBody();
    const next = safeNext(c, form.next);
    if (crossOrigin(c.req.raw) || !(await csrfMatches(getCookie(c, SIGN_IN_CSRF_COOKIE), form[CSRF_FIELD]))) {
      return renderSignIn(c, 403, { error: "The sign-in form expired or came from another site. Try again." }, next);
    }
    let subject: SessionSubject;
    try {
      subject = await signInSubject(c, form);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const status = error.status === 403 || error.status === 400 || error.status === 429 ? error.status : 401;
      const retryAfter = error.headers?.["Retry-After"];
      if (retryAfter) c.header("Retry-After", retryAfter);
      return renderSignIn(c, status, { error: error.message }, next);
    }
    const { token } = await issueSession(c.get("config").MASTER_KEY, subject);
    deleteCookie(c, SIGN_IN_CSRF_COOKIE, { path: portalPath(c) });
    setCookie(c, SESSION_COOKIE, token, cookieOptions(c, SESSION_TTL_SECONDS));
    return c.redirect(next, 303);
  });

/** Behind the session middleware (which has checked the CSRF field). */
export const signOutRoutes = new Hono<PortalEnv>().post("/logout", async (c) => {
  await revokeSession(c.get("db"), c.get("session"));
  deleteCookie(c, SESSION_COOKIE, { path: portalPath(c) });
  return c.redirect(`${portalPath(c, "/login")}?notice=${encodeURIComponent("You are signed out.")}`, 303);
});
