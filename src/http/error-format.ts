/**
 * The body an error leaves with. Every route answers with the one Hookgate envelope unless the router that
 * owns it installs another format (the AR System routers install AR's error array): status, code and headers
 * stay the same, only the body's shape changes.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { errorEnvelope, type ErrorFormat } from "../runtime/errors";

export const defaultErrorFormat: ErrorFormat = errorEnvelope;

/** Middleware: errors raised under it (and a 404 for a path under it) render with `format`. */
export const useErrorFormat = (format: ErrorFormat) =>
  createMiddleware<AppEnv>(async (c, next) => {
    c.set("errorFormat", format);
    await next();
  });
