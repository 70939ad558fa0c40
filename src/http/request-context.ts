/**
 * First middleware on every request: assigns the request id (echoed as X-Request-Id on every response,
 * errors included), validates configuration once, and opens the database client.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { readConfig } from "../runtime/env";
import { database } from "../db/client";

export const requestContext = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // Always our own id: it keys the inbound log, so a caller's (possibly reused) id must not be trusted as unique.
    const requestId = crypto.randomUUID();
    c.set("requestId", requestId);
    c.header("X-Request-Id", requestId);
    c.set("config", readConfig(c.env));
    c.set("db", database(c.env.DB));
    await next();
  });
