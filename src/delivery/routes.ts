/**
 * Tenant API of the delivery engine: deliveries and their attempts, replay and skip, bulk replay,
 * "save & test", per-stream state, and signing-secret rotation. Live delivery state is answered by the
 * tenant's TenantDelivery object; the attempt history comes from D1.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { newRouter, errors, isoTime } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { authenticate } from "../auth/authenticate";
import { AppError } from "../runtime/errors";
import type { AppEnv } from "../http/app-env";
import { secretStore } from "../secrets/secret-store";
import { deliveryStatuses } from "./delivery-tables";
import { listDeliveryAttempts } from "./attempt-log";
import { findSubscription } from "../subscriptions/subscription-store";
import { rotateSigningSecret, readSigningSecret } from "../subscriptions/signing-secrets";
import { actorOf } from "../audit/actor";

const auth = () => [authenticate({ scope: "api" })];
const stubFor = (c: Context<AppEnv>) => c.env.TENANT_DELIVERY.get(c.env.TENANT_DELIVERY.idFromName(c.get("tenant").id));

/**
 * The tenant's delivery object, told its tenant (it learns it on first use) and with every committed event
 * fanned out, without waiting for a drain (see TenantDelivery.refresh()).
 */
async function delivery(c: Context<AppEnv>) {
  const stub = stubFor(c);
  await stub.refresh(c.get("tenant").id);
  return stub;
}

const deliveryIdParam = z.object({ id: z.string().min(1).max(200) });
const subscriptionIdParam = z.object({ id: z.string().regex(/^WBH\d{12}$/, "is not a subscription id") });
const deliveryView = z
  .object({
    id: z.string(),
    position: z.number().int(),
    subscriptionId: z.string(),
    stream: z.string(),
    eventSeq: z.number().int(),
    status: z.string(),
    blocking: z.boolean(),
    attempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    replayOf: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Delivery");
const attemptView = z.object({
  attempt: z.number().int(),
  startedAt: z.string(),
  durationMs: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
});
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

const list = createRoute({
  method: "get",
  path: "/api/v1/deliveries",
  operationId: "listDeliveries",
  summary: "List deliveries in stream order",
  middleware: auth(),
  request: {
    query: z.object({
      subscription: z.string().optional(),
      status: z.enum([...deliveryStatuses, "blocked"]).optional(),
      cursor: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
  },
  responses: { 200: json(z.object({ items: z.array(deliveryView), nextCursor: z.number().int().nullable() }), "Deliveries in stream order"), 400: errors[400], 401: errors[401], 403: errors[403] },
});

const read = createRoute({
  method: "get",
  path: "/api/v1/deliveries/{id}",
  operationId: "getDelivery",
  summary: "Read a delivery with its attempts",
  middleware: auth(),
  request: { params: deliveryIdParam },
  responses: { 200: json(deliveryView.extend({ attemptLog: z.array(attemptView) }), "The delivery with its attempts"), 401: errors[401], 403: errors[403], 404: errors[404] },
});

const replay = createRoute({
  method: "post",
  path: "/api/v1/deliveries/{id}/replay",
  operationId: "replayDelivery",
  summary: "Queue a delivery again",
  middleware: auth(),
  request: { params: deliveryIdParam },
  responses: { 202: json(deliveryView, "The new delivery, queued"), 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
});

const skip = createRoute({
  method: "post",
  path: "/api/v1/deliveries/{id}/skip",
  operationId: "skipDelivery",
  summary: "Skip a pending or blocked delivery",
  middleware: auth(),
  request: { params: deliveryIdParam },
  responses: { 200: json(deliveryView, "The skipped delivery"), 401: errors[401], 403: errors[403], 404: errors[404], 409: errors[409] },
});

const bulkReplay = createRoute({
  method: "post",
  path: "/api/v1/subscriptions/{id}/replay",
  operationId: "replaySubscription",
  summary: "Replay a subscription's deliveries since an event or a time",
  middleware: [...auth(), jsonBody()],
  request: {
    params: subscriptionIdParam,
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.object({
            since: z.union([z.number().int().min(0), z.iso.datetime({ offset: true })], { error: "must be an event seq or an ISO time" }),
          }),
        },
      },
    },
  },
  responses: { 202: json(z.object({ replayed: z.number().int() }), "Replays queued in order"), ...errors },
});

const test = createRoute({
  method: "post",
  path: "/api/v1/subscriptions/{id}/test",
  operationId: "testSubscription",
  summary: "Send a test delivery to a subscription's endpoint",
  middleware: auth(),
  request: { params: subscriptionIdParam },
  responses: {
    200: json(z.object({ statusCode: z.number().int().nullable(), durationMs: z.number().int(), error: z.string().nullable(), responseExcerpt: z.string().nullable() }), "The test attempt"),
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

const streams = createRoute({
  method: "get",
  path: "/api/v1/streams",
  operationId: "listStreams",
  summary: "List every delivery stream's state",
  middleware: auth(),
  responses: {
    200: json(
      z.object({
        items: z.array(
          z.object({
            stream: z.string(),
            subscriptionId: z.string(),
            pending: z.number().int(),
            headEventSeq: z.number().int().nullable(),
            headDeliveryId: z.string().nullable(),
            headCreatedAt: z.string().nullable().openapi({ description: "When the head (the oldest open delivery) was created" }),
            nextAttemptAt: z.string().nullable(),
            blocked: z.boolean(),
            deadLetters: z.number().int(),
            droppedOverCap: z.number().int(),
            breaker: z.string(),
            deliveredSeq: z.number().int().nullable(),
            lag: z.number().int(),
            rateLimitPerSecond: z.number().int().nullable().openapi({ description: "The subscription's rate limit, callbacks a second; null = unlimited" }),
            throttled: z.boolean().openapi({ description: "The head is due but waits for the rate limit's next token (the throttled backlog is `pending`)" }),
          }),
        ),
      }),
      "Every stream's state",
    ),
    401: errors[401],
    403: errors[403],
  },
});

const rotate = createRoute({
  method: "post",
  path: "/api/v1/subscriptions/{id}/rotate-secret",
  operationId: "rotateSubscriptionSecret",
  summary: "Rotate a subscription's signing secret",
  middleware: auth(),
  request: { params: subscriptionIdParam },
  responses: { 200: json(z.object({ key: z.string(), previousKeyExpiresAt: z.string().nullable() }), "The new whsec_ secret (the old one signs for 24 h more)"), 401: errors[401], 403: errors[403], 404: errors[404] },
});

const secret = createRoute({
  method: "get",
  path: "/api/v1/subscriptions/{id}/secret",
  operationId: "getSubscriptionSecret",
  summary: "Read a subscription's current signing secret",
  middleware: [authenticate({ scope: "api", revealsSecret: true })],
  request: { params: subscriptionIdParam },
  responses: { 200: json(z.object({ key: z.string() }), "The current whsec_ signing secret"), 401: errors[401], 403: errors[403], 404: errors[404] },
});

export const deliveryRoutes = newRouter()
  .openapi(list, async (c) => {
    const { subscription, status, cursor, limit } = c.req.valid("query");
    const stub = await delivery(c);
    const rows = await stub.listDeliveries({
      subscriptionId: subscription,
      status: status === "blocked" ? "dead" : status,
      afterPosition: cursor,
      limit: limit + 1,
    });
    const filtered = status === "blocked" ? rows.filter((row) => row.blocking) : rows;
    const page = filtered.slice(0, limit);
    return c.json({ items: page, nextCursor: rows.length > limit ? (page[page.length - 1]?.position ?? null) : null }, 200);
  })
  .openapi(read, async (c) => {
    const { id } = c.req.valid("param");
    const found = await (await delivery(c)).getDelivery(id);
    if (!found) throw new AppError("NOT_FOUND", `No delivery '${id}'`);
    const attempts = await listDeliveryAttempts(c.get("data"), c.get("tenant").id, id);
    const attemptLog = attempts.map((row) => ({
      attempt: row.attempt,
      startedAt: isoTime(row.startedAt),
      durationMs: row.durationMs,
      statusCode: row.statusCode,
      error: row.error,
      responseExcerpt: row.responseExcerpt,
    }));
    return c.json({ ...found, attemptLog }, 200);
  })
  .openapi(replay, async (c) => {
    const { id } = c.req.valid("param");
    const replayed = await (await delivery(c)).replayDelivery(id);
    if (!replayed) throw new AppError("NOT_FOUND", `No delivery '${id}'`);
    if (replayed === "erased") throw new AppError("CONFLICT", `Delivery '${id}' belongs to an erased record: there is nothing left to send`);
    if (replayed === "password gone") throw new AppError("CONFLICT", `Delivery '${id}' cannot be replayed: the password of this change is no longer stored; send a new password change`);
    return c.json(replayed, 202);
  })
  .openapi(skip, async (c) => {
    const { id } = c.req.valid("param");
    const stub = await delivery(c);
    const before = await stub.getDelivery(id);
    if (!before) throw new AppError("NOT_FOUND", `No delivery '${id}'`);
    if (before.status !== "pending" && !before.blocking) throw new AppError("CONFLICT", `Delivery '${id}' is ${before.status}; only a pending or blocked one can be skipped`);
    return c.json((await stub.skipDelivery(id))!, 200);
  })
  .openapi(bulkReplay, async (c) => {
    const { id } = c.req.valid("param");
    await findSubscription(c.get("db"), c.get("tenant").id, id);
    const { since } = c.req.valid("json");
    const replayed = await (await delivery(c)).replaySubscription(id, typeof since === "number" ? { seq: since } : { time: Date.parse(since) });
    return c.json({ replayed }, 202);
  })
  .openapi(test, async (c) => {
    const { id } = c.req.valid("param");
    await findSubscription(c.get("db"), c.get("tenant").id, id);
    const result = await (await delivery(c)).sendTest(id);
    if (!result) throw new AppError("NOT_FOUND", `No subscription '${id}'`);
    return c.json(result, 200);
  })
  .openapi(streams, async (c) => {
    return c.json({ items: await (await delivery(c)).streams() }, 200);
  })
  .openapi(rotate, async (c) => {
    const { id } = c.req.valid("param");
    return c.json(await rotateSigningSecret(c.get("db"), secretStore(c.env), c.get("tenant").id, id, actorOf(c.get("principal"))), 200);
  })
  .openapi(secret, async (c) => {
    const { id } = c.req.valid("param");
    return c.json({ key: await readSigningSecret(c.get("db"), secretStore(c.env), c.get("tenant").id, id) }, 200);
  });
