/**
 * First middleware on every request: assigns the request id (echoed as X-Request-Id on every response,
 * errors included), validates configuration once, and opens the database client.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./app-env";
import { readConfig } from "../env";
import { database } from "../db/client";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{8,64}$/;

export const requestContext = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    // Honour a caller's id only when it is safe to log; otherwise mint one.
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : crypto.randomUUID();
    c.set("requestId", requestId);
    c.header("X-Request-Id", requestId);
    c.set("config", readConfig(c.env));
    c.set("db", database(c.env.DB));
    await next();
  });
