/**
 * Middleware for routes that parse their body with Hono's parseBody (form-encoded and multipart: the AR-JWT
 * login, the portal's forms): the body is read under MAX_BODY_BYTES, on its declared length and on the stream,
 * before anything parses it or checks a credential -> 413 PAYLOAD_TOO_LARGE. The bytes are left in Hono's body
 * cache, so parseBody() reads them without a second stream read. GET and HEAD pass untouched.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { readRequestBody } from "./read-body";

export const boundedBody = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const bytes = await readRequestBody(c.req.raw, c.get("config").MAX_BODY_BYTES);
    // Hono caches body reads as promises at runtime although its BodyCache type says otherwise.
    (c.req.bodyCache as { arrayBuffer?: Promise<ArrayBuffer> }).arrayBuffer = Promise.resolve(bytes.slice().buffer);
    await next();
  });
