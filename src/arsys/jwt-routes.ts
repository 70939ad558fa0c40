/**
 * AR System REST authentication: `POST /api/jwt/login` (form-encoded username = service-account email,
 * password) answers 200 text/plain with an AR-JWT; `POST /api/jwt/logout` with `Authorization: AR-JWT <token>`
 * invalidates it. Errors are AR's JSON message array (see ar-errors.ts). Logins are throttled like every password
 * sign-in: after 10 failures in 15 minutes for the account or from the address, 429 with Retry-After.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../http/openapi-app";
import { AppError } from "../runtime/errors";
import { authenticate } from "../auth/authenticate";
import { passwordSignIn } from "../auth/password-sign-in";
import { issueArJwt, revokeArJwt } from "../auth/ar-jwt";
import { boundedBody } from "../http/bounded-body";

const FORM_MEDIA_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data"];

const login = createRoute({
  method: "post",
  path: "/api/jwt/login",
  operationId: "arJwtLogin",
  // The form is read under MAX_BODY_BYTES before it is parsed or any password is checked.
  middleware: [boundedBody()] as const,
  summary: "AR System login: returns an AR-JWT (text/plain) valid for one hour",
  request: {
    body: {
      required: true,
      content: {
        "application/x-www-form-urlencoded": { schema: z.object({ username: z.string(), password: z.string() }) },
      },
    },
  },
  responses: {
    200: { description: "The token", content: { "text/plain": { schema: z.string() } } },
    400: errors[400],
    401: errors[401],
    413: errors[413],
    415: errors[415],
    429: { ...errors[401], description: "Too many failed sign-ins for this account or from this address (RATE_LIMITED); Retry-After says when to try again" },
  },
});

const logout = createRoute({
  method: "post",
  path: "/api/jwt/logout",
  operationId: "arJwtLogout",
  summary: "AR System logout: ends the AR-JWT session",
  middleware: [authenticate({ scope: "api" })],
  responses: { 204: { description: "Logged out" }, 400: errors[400], 401: errors[401] },
});

export const jwtRoutes = newRouter()
  .openapi(login, async (c) => {
    const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!FORM_MEDIA_TYPES.includes(mediaType)) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send username and password form-encoded (application/x-www-form-urlencoded)");
    }
    const form = await c.req.parseBody();
    const username = typeof form.username === "string" ? form.username.trim().toLowerCase() : "";
    const password = typeof form.password === "string" ? form.password : "";
    const missing = [!username && "username", !password && "password"].filter((field): field is string => Boolean(field));
    if (missing.length > 0) {
      throw new AppError("VALIDATION_FAILED", `Missing ${missing.join(" and ")}`, missing.map((path) => ({ path, message: "is required" })));
    }
    const tenant = c.get("tenant");
    const principal = await passwordSignIn(c.get("db"), { tenantId: tenant.id, email: username, password, connectingIp: c.req.header("cf-connecting-ip") });
    const { token } = await issueArJwt(c.get("config").MASTER_KEY, {
      tenantId: tenant.id,
      accountId: principal.id,
      scopes: [...principal.scopes],
    });
    return c.text(token, 200);
  })
  .openapi(logout, async (c) => {
    const principal = c.get("principal");
    if (!principal.tokenId || principal.tokenExpiresAt === undefined) {
      throw new AppError("VALIDATION_FAILED", "Logout needs the AR-JWT to invalidate: Authorization: AR-JWT <token>");
    }
    await revokeArJwt(c.get("db"), { jti: principal.tokenId, tenantId: principal.tenantId, expiresAt: principal.tokenExpiresAt * 1000 });
    return c.body(null, 204);
  });
