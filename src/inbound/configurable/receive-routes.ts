/**
 * Issue 7 receiving side: `POST /hooks/{hookId}` verifies the vendor's request per the hook's auth kind (only
 * then does it count against the tenant's rate limit), drops a vendor event id or an HMAC signature already
 * accepted in the last 24 h (200, replayed), renders the Jinja template per item and writes each item's record
 * change through the record store and outbox (the body as received: JSON, a CloudEvents batch or GitHub's form
 * encoding, signatures checked over its exact bytes; an Event Grid-schema subscription validation is answered
 * with its code once authenticated); `GET /hooks/{hookId}` answers Okta's one-time verification
 * challenge and `OPTIONS /hooks/{hookId}` the CloudEvents abuse-protection handshake of Azure Event Grid (never
 * authenticated, so only the anonymous limit applies). Every request, rejected ones too, lands in the inbound log.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { newRouter, errors, inboundErrors } from "../../http/openapi-app";
import { AppError } from "../../runtime/errors";
import { secretStore } from "../../secrets/secret-store";
import type { InboundHook } from "../../db/schema/inbound-hooks";
import { admitAuthenticated, inboundGate } from "../rate-limit";
import { signatureIdempotency } from "../idempotency";
import { runSyncLifecycleHooks } from "../../lifecycle/sync-hooks";
import { USER_FORM } from "../../lifecycle/post-hooks";
import { presetOf } from "./hook-view";
import type { InboundHookPreset } from "./presets";
import { verifyHookRequest } from "./verify";
import { findHook } from "./hook-store";
import { batchEventId, vendorEventId } from "./mapping";
import type { ApplyContext } from "./apply";
import { INBOUND_HOOK_SOURCE, receiveDelivery } from "./receive-delivery";
import { deliveryBody, deliveryMediaType, parseDeliveryBody } from "./delivery-body";
import { eventGridValidationCode } from "./event-grid";
import { requestPorts } from "../../http/request-ports";

const params = z.object({ hookId: z.string().min(1).max(64) });

const receivedSchema = z
  .object({
    hookId: z.string(),
    eventId: z.string().nullable(),
    replayed: z.boolean(),
    changes: z.array(
      z.object({
        form: z.string(),
        recordId: z.string(),
        event: z.string().nullable(),
        eventSeq: z.number().int().nullable(),
        syncKey: z.object({ name: z.string(), value: z.string() }),
      }),
    ),
  })
  .openapi("InboundHookReceived");

const validationSchema = z.object({ validationResponse: z.string() }).openapi("EventGridValidationResponse");

/**
 * What vendors post, for the document only: plain JSON Schema objects (not zod), so the router adds no body
 * validator of its own; the delivery is checked over its raw bytes first, then parsed by `parseDeliveryBody`.
 */
const vendorEvent = { type: "object" as const, description: "The vendor's event as it sends it; the hook's template maps it" };
const deliveryRequestBody = {
  required: true,
  description: "The vendor's delivery, signed over these exact bytes (a UTF-8 BOM included); at most MAX_BODY_BYTES",
  content: {
    "application/json": { schema: vendorEvent },
    "application/cloudevents+json": { schema: vendorEvent },
    "application/cloudevents-batch+json": { schema: { type: "array" as const, items: vendorEvent, description: "A CloudEvents batch: one change per event, at most 1,000" } },
    "application/x-www-form-urlencoded": {
      schema: {
        type: "object" as const,
        required: ["payload"],
        properties: { payload: { type: "string" as const, description: "The JSON event (GitHub's form-encoded deliveries)" } },
      },
    },
  },
};

const receive = createRoute({
  method: "post",
  path: "/hooks/{hookId}",
  operationId: "receiveHookDelivery",
  summary: "A vendor delivery to a configurable inbound hook",
  middleware: [...inboundGate(INBOUND_HOOK_SOURCE), deliveryBody()] as const,
  request: { params, body: deliveryRequestBody },
  responses: {
    200: {
      description:
        "Applied (or replayed, Idempotent-Replayed: true: the same event id, or the same HMAC signature, within 24 h); an Event Grid subscription validation is answered with its code",
      content: { "application/json": { schema: z.union([receivedSchema, validationSchema]) } },
    },
    ...errors,
    429: inboundErrors[429],
  },
});

const challenge = createRoute({
  method: "get",
  path: "/hooks/{hookId}",
  operationId: "answerHookVerificationChallenge",
  summary: "Okta's one-time event hook verification",
  middleware: [...inboundGate(INBOUND_HOOK_SOURCE)] as const,
  request: { params, headers: z.object({ "x-okta-verification-challenge": z.string().max(1024).optional() }) },
  responses: {
    200: { description: "The challenge echoed", content: { "application/json": { schema: z.object({ verification: z.string() }) } } },
    400: errors[400],
    401: errors[401],
    404: errors[404],
    429: inboundErrors[429],
  },
});

const handshake = createRoute({
  method: "options",
  path: "/hooks/{hookId}",
  operationId: "answerHookHandshake",
  summary: "CloudEvents v1.0 abuse-protection handshake (Azure Event Grid)",
  middleware: [...inboundGate(INBOUND_HOOK_SOURCE)] as const,
  request: { params, headers: z.object({ "webhook-request-origin": z.string().max(255).optional() }) },
  responses: { 200: { description: "Deliveries from the origin are allowed" }, 400: errors[400], 404: errors[404], 429: inboundErrors[429] },
});

async function loadHook(c: Context<AppEnv>, hookId: string): Promise<{ hook: InboundHook; preset: InboundHookPreset }> {
  const hook = await findHook(c.get("db"), c.get("tenant").id, hookId);
  if (!hook) throw new AppError("NOT_FOUND", `No inbound hook '${hookId}'`);
  return { hook, preset: presetOf(hook.preset) };
}

/** Throws 401 with the cause (a missing secret is an internal error, never a pass), then admits the request past the tenant's limit. */
async function verify(c: Context<AppEnv>, hook: InboundHook, preset: InboundHookPreset, rawBody: Uint8Array, now: number) {
  const secret = await secretStore(c.env).get(hook.tenantId, hook.secretRef);
  if (secret === null) throw new Error(`Secret of inbound hook ${hook.id} is missing`);
  const outcome = await verifyHookRequest({
    credentials: { kind: hook.authKind, settings: hook.authSettings, secret },
    preset,
    headers: c.req.raw.headers,
    rawBody,
    now,
  });
  if (!outcome.ok) throw new AppError(outcome.code, outcome.cause);
  await admitAuthenticated(c);
  return outcome;
}

export const inboundHookReceiveRoutes = newRouter()
  .openapi(receive, async (c) => {
    const now = Date.now();
    const { hookId } = c.req.valid("param");
    const { hook, preset } = await loadHook(c, hookId);
    const rawBody = new Uint8Array(await c.req.arrayBuffer());
    const verified = await verify(c, hook, preset, rawBody, now);
    const mediaType = deliveryMediaType(c.req.header("content-type"))!;
    const body = parseDeliveryBody(rawBody, mediaType);
    const validationCode = eventGridValidationCode(preset, c.req.raw.headers, body);
    if (validationCode !== null) return c.json({ validationResponse: validationCode }, 200);
    const batch = mediaType === "cloudevents_batch";
    const eventId = verified.webhookId ?? (batch && Array.isArray(body) ? await batchEventId(preset, body) : vendorEventId(preset, c.req.raw.headers, body));
    const signature =
      verified.signature === undefined
        ? null
        : await signatureIdempotency(hook.tenantId, hook.id, verified.signature, new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(rawBody));
    // The tenant's validate/pre hooks are user hooks: they see changes to the User form only.
    const lifecycle: ApplyContext["lifecycle"] =
      hook.form === USER_FORM ? async (action, user) => (await runSyncLifecycleHooks(c.env, hook.tenantId, action, user)).user : undefined;
    const outcome = await receiveDelivery(requestPorts(c), { hook, preset, body, batch, headers: c.req.raw.headers, eventId, signature, now, lifecycle });
    if (outcome.replayed) return c.json({ hookId: hook.id, eventId, replayed: true, changes: [] }, 200, { "Idempotent-Replayed": "true" });
    const last = outcome.changes[outcome.changes.length - 1];
    if (last) c.set("recordId", last.recordId);
    return c.json({ hookId: hook.id, eventId, replayed: false, changes: outcome.changes }, 200);
  })
  .openapi(challenge, async (c) => {
    const { hookId } = c.req.valid("param");
    const { hook, preset } = await loadHook(c, hookId);
    const header = preset.verificationChallengeHeader;
    if (!header) throw new AppError("NOT_FOUND", `Inbound hook '${hook.id}' (preset ${preset.id}) has no verification challenge`);
    const value = c.req.valid("header")["x-okta-verification-challenge"];
    if (!value) throw new AppError("VALIDATION_FAILED", `Missing ${header} header`, [{ path: header, message: "is required" }]);
    await verify(c, hook, preset, new Uint8Array(0), Date.now());
    return c.json({ verification: value }, 200);
  })
  .openapi(handshake, async (c) => {
    const { hookId } = c.req.valid("param");
    const { hook, preset } = await loadHook(c, hookId);
    if (!preset.cloudEventsHandshake) throw new AppError("NOT_FOUND", `Inbound hook '${hook.id}' (preset ${preset.id}) has no OPTIONS handshake`);
    const origin = c.req.valid("header")["webhook-request-origin"];
    if (!origin) throw new AppError("VALIDATION_FAILED", "Missing WebHook-Request-Origin header", [{ path: "WebHook-Request-Origin", message: "is required" }]);
    // The handshake only consents to receiving traffic; the deliveries themselves still need the hook's secret.
    return c.body(null, 200, { "WebHook-Allowed-Origin": origin, "WebHook-Allowed-Rate": "*" });
  });
