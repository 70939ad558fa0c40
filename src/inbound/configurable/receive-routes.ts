/**
 * Issue 7 receiving side: `POST /hooks/{hookId}` verifies the vendor's request per the hook's auth kind, drops
 * a vendor event id already accepted in the last 24 h (200, replayed), renders the Jinja template per item and
 * writes each item's record change through the record store and outbox; `GET /hooks/{hookId}` answers Okta's
 * one-time verification challenge and `OPTIONS /hooks/{hookId}` the CloudEvents abuse-protection handshake of
 * Azure Event Grid. Every request, rejected ones too, lands in the inbound request log.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../http/app-env";
import { newRouter, errors } from "../../http/openapi-app";
import { jsonBody } from "../../http/json-body";
import { AppError } from "../../runtime/errors";
import { secretStore } from "../../secrets/secret-store";
import { nudgeDelivery } from "../../delivery/nudge";
import { isUniqueViolation } from "../../records/record-keys";
import type { InboundHook } from "../../db/schema/inbound-hooks";
import { inboundGate } from "../rate-limit";
import { runSyncLifecycleHooks } from "../../lifecycle/sync-hooks";
import { USER_FORM } from "../../lifecycle/post-hooks";
import { findHook, rememberEventId, seenEventId, type EventIdKey } from "./hook-store";
import { presetOf } from "./hook-view";
import type { InboundHookPreset } from "./presets";
import { verifyHookRequest } from "./verify";
import { compileTemplate, TemplateError, type RecordFields } from "./template";
import { headerRecord, mapDelivery, syncKeyValues, vendorEventId } from "./mapping";
import { applyItem, recordExists, type ApplyContext, type ItemChange } from "./apply";

export const INBOUND_HOOK_SOURCE = "inbound_hook";

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

const receive = createRoute({
  method: "post",
  path: "/hooks/{hookId}",
  summary: "A vendor delivery to a configurable inbound hook",
  middleware: [...inboundGate(INBOUND_HOOK_SOURCE), jsonBody()] as const,
  request: { params },
  responses: {
    200: { description: "Applied (or replayed: the same event id within 24 h)", content: { "application/json": { schema: receivedSchema } } },
    ...errors,
  },
});

const challenge = createRoute({
  method: "get",
  path: "/hooks/{hookId}",
  summary: "Okta's one-time event hook verification",
  middleware: [...inboundGate(INBOUND_HOOK_SOURCE)] as const,
  request: { params, headers: z.object({ "x-okta-verification-challenge": z.string().max(1024).optional() }) },
  responses: {
    200: { description: "The challenge echoed", content: { "application/json": { schema: z.object({ verification: z.string() }) } } },
    400: errors[400],
    401: errors[401],
    404: errors[404],
  },
});

const handshake = createRoute({
  method: "options",
  path: "/hooks/{hookId}",
  summary: "CloudEvents v1.0 abuse-protection handshake (Azure Event Grid)",
  middleware: [...inboundGate(INBOUND_HOOK_SOURCE)] as const,
  request: { params, headers: z.object({ "webhook-request-origin": z.string().max(255).optional() }) },
  responses: { 200: { description: "Deliveries from the origin are allowed" }, 400: errors[400], 404: errors[404] },
});

async function loadHook(c: Context<AppEnv>, hookId: string): Promise<{ hook: InboundHook; preset: InboundHookPreset }> {
  const hook = await findHook(c.get("db"), c.get("tenant").id, hookId);
  if (!hook) throw new AppError("NOT_FOUND", `No inbound hook '${hookId}'`);
  return { hook, preset: presetOf(hook.preset) };
}

/** Throws 401 with the cause; a missing secret is an internal error, never a pass. */
async function verify(c: Context<AppEnv>, hook: InboundHook, preset: InboundHookPreset, rawBody: string, now: number) {
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
  return outcome;
}

function renderItems(hook: InboundHook, preset: InboundHookPreset, body: unknown, headers: Headers, now: number): RecordFields[] {
  try {
    return mapDelivery(compileTemplate(hook.template), preset, { body, headers: headerRecord(headers), now });
  } catch (error) {
    if (error instanceof TemplateError) throw new AppError("TEMPLATE_FAILED", error.message);
    throw error;
  }
}

export const inboundHookReceiveRoutes = newRouter()
  .openapi(receive, async (c) => {
    const now = Date.now();
    const db = c.get("db");
    const { hookId } = c.req.valid("param");
    const { hook, preset } = await loadHook(c, hookId);
    const rawBody = await c.req.text();
    const verified = await verify(c, hook, preset, rawBody, now);
    const body: unknown = JSON.parse(rawBody);

    const eventId = verified.webhookId ?? vendorEventId(preset, c.req.raw.headers, body);
    const eventKey: EventIdKey | null = eventId === null ? null : { tenantId: hook.tenantId, hookId: hook.id, eventId };
    const replay = () => c.json({ hookId: hook.id, eventId, replayed: true, changes: [] }, 200, { "Idempotent-Replayed": "true" });
    if (eventKey && (await seenEventId(db, eventKey, now))) return replay();

    const items = renderItems(hook, preset, body, c.req.raw.headers, now);
    const context: ApplyContext = {
      tenantId: hook.tenantId,
      form: hook.form,
      event: hook.event,
      syncKeys: hook.syncKeys,
      source: `${INBOUND_HOOK_SOURCE}:${hook.id}`,
      now,
      // The tenant's validate/pre hooks are user hooks: they see changes to the User form only.
      lifecycle: hook.form === USER_FORM ? async (action, user) => (await runSyncLifecycleHooks(c.env, hook.tenantId, action, user)).user : undefined,
    };
    // Every item is checked before the first write, so a bad item rejects the delivery without a partial change.
    for (const fields of items) {
      if (syncKeyValues(hook.syncKeys, fields).length === 0 || hook.event !== "create") {
        if (!(await recordExists(db, context, fields))) {
          throw new AppError("RECORD_NOT_FOUND", `No ${hook.form} record matches the sync keys of an item for '${hook.event}'`);
        }
      }
    }

    const changes: ItemChange[] = [];
    for (const [index, fields] of items.entries()) {
      const remember = index === items.length - 1 && eventKey ? () => [...rememberEventId(db, eventKey, now)] : () => [];
      try {
        changes.push(await applyItem(db, context, fields, remember));
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // A concurrent delivery won: of the same event (answer as its replay) or of the same new sync key (retry once).
        if (eventKey && (await seenEventId(db, eventKey, now))) return replay();
        changes.push(await applyItem(db, context, fields, remember));
      }
    }
    if (items.length === 0 && eventKey) await db.batch(rememberEventId(db, eventKey, now));

    const last = changes[changes.length - 1];
    if (last) c.set("recordId", last.recordId);
    if (changes.some((change) => change.event !== null)) c.executionCtx.waitUntil(nudgeDelivery(c.env, hook.tenantId));
    return c.json({ hookId: hook.id, eventId, replayed: false, changes }, 200);
  })
  .openapi(challenge, async (c) => {
    const { hookId } = c.req.valid("param");
    const { hook, preset } = await loadHook(c, hookId);
    const header = preset.verificationChallengeHeader;
    if (!header) throw new AppError("NOT_FOUND", `Inbound hook '${hook.id}' (preset ${preset.id}) has no verification challenge`);
    const value = c.req.valid("header")["x-okta-verification-challenge"];
    if (!value) throw new AppError("VALIDATION_FAILED", `Missing ${header} header`, [{ path: header, message: "is required" }]);
    await verify(c, hook, preset, "", Date.now());
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
