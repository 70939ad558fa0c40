/**
 * Issue 7 configuration API (tenant API key, scope `api`): the preset catalogue, create/list/get/replace/delete
 * configurable inbound hooks, and a dry run that renders a hook's template (or an unsaved one to try) over a
 * sample body and stores nothing. Secrets are sealed in KV and shown only once, when Hookgate generated them.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors } from "../../http/openapi-app";
import { errorResponses, itemsOf, jsonRequestBody, jsonResponse } from "../../http/route-schemas";
import { jsonBody } from "../../http/json-body";
import { authenticate } from "../../auth/authenticate";
import { secretStore } from "../../secrets/secret-store";
import { AppError } from "../../runtime/errors";
import type { Database } from "../../db/client";
import type { Tenant } from "../../db/schema";
import { actorOf } from "../../audit/actor";
import { PRESETS } from "./presets";
import { deleteHook, findHook, insertHook, listHooks, replaceHook } from "./hook-store";
import { hookInput, hookView, presetOf, resolveHook, toHookView } from "./hook-view";
import { compileTemplate, MAX_TEMPLATE_CHARS, TemplateError } from "./template";
import { headerRecord, syncKeyValues, vendorEventId } from "./mapping";
import { decideItems } from "./item-event";

const idParam = z.object({ id: z.string().regex(/^hook_[0-9a-f]{24}$/, "is not an inbound hook id") });

const presetView = z
  .object({
    id: z.string(),
    name: z.string(),
    docs: z.string(),
    auth: z.looseObject({ kind: z.string(), description: z.string() }),
    event: z.string(),
    form: z.string(),
    template: z.string(),
    syncKeys: z.array(z.string()),
    itemsPath: z.string().optional(),
    eventId: z.record(z.string(), z.string()).optional(),
    verificationChallengeHeader: z.string().optional(),
    cloudEventsHandshake: z.boolean().optional(),
    eventGridValidation: z.boolean().optional(),
    events: z.looseObject({ description: z.string() }).optional().openapi({ description: "What the vendor's events do on an `auto` hook" }),
    sample: z.object({ headers: z.record(z.string(), z.string()), body: z.unknown() }),
  })
  .openapi("InboundHookPreset");

const listPresets = createRoute({
  method: "get",
  path: "/api/v1/inbound-hooks/presets",
  operationId: "listInboundHookPresets",
  summary: "Vendor presets for configurable inbound hooks",
  middleware: [authenticate({ scope: "api" })] as const,
  responses: { 200: jsonResponse(itemsOf(presetView), "Every preset"), ...errorResponses(401, 403) },
});

const createHook = createRoute({
  method: "post",
  path: "/api/v1/inbound-hooks",
  operationId: "createInboundHook",
  summary: "Create a configurable inbound hook",
  middleware: [authenticate({ scope: "api" }), jsonBody()] as const,
  request: { body: jsonRequestBody(hookInput) },
  responses: { 201: jsonResponse(hookView, "Created; a generated secret is shown in clear this once"), ...errors },
});

const listAll = createRoute({
  method: "get",
  path: "/api/v1/inbound-hooks",
  operationId: "listInboundHooks",
  summary: "List the tenant's configurable inbound hooks",
  middleware: [authenticate({ scope: "api" })] as const,
  responses: { 200: jsonResponse(itemsOf(hookView), "The tenant's hooks, secrets masked"), ...errorResponses(401, 403) },
});

const getOne = createRoute({
  method: "get",
  path: "/api/v1/inbound-hooks/{id}",
  operationId: "getInboundHook",
  summary: "Read a configurable inbound hook",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { params: idParam },
  responses: { 200: jsonResponse(hookView, "The hook, secret masked"), ...errorResponses(400, 401, 403, 404) },
});

const replace = createRoute({
  method: "put",
  path: "/api/v1/inbound-hooks/{id}",
  operationId: "replaceInboundHook",
  summary: "Replace a hook's settings; without a secret the stored one is kept (unless the auth kind changes)",
  middleware: [authenticate({ scope: "api" }), jsonBody()] as const,
  request: { params: idParam, body: jsonRequestBody(hookInput) },
  responses: { 200: jsonResponse(hookView, "Replaced"), ...errors },
});

const remove = createRoute({
  method: "delete",
  path: "/api/v1/inbound-hooks/{id}",
  operationId: "deleteInboundHook",
  summary: "Delete a configurable inbound hook and its secret",
  middleware: [authenticate({ scope: "api" })] as const,
  request: { params: idParam },
  responses: { 204: { description: "Deleted with its secret" }, ...errorResponses(400, 401, 403, 404) },
});

const dryRunInput = z
  .object({
    body: z.unknown().optional().openapi({ description: "A vendor body; the preset's documented sample when absent" }),
    headers: z.record(z.string(), z.string()).optional(),
    template: z.string().min(1).max(MAX_TEMPLATE_CHARS).optional().openapi({ description: "A template to try instead of the saved one, e.g. an editor's unsaved text" }),
  })
  .openapi("InboundHookDryRun");

const dryRunResult = z.object({
  eventId: z.string().nullable(),
  items: z.array(
    z.object({
      action: z.enum(["create", "update", "archive", "ignore"]).openapi({ description: "What the item would do to its record: the hook's event, or on an `auto` hook the preset's or template's choice" }),
      fields: z.record(z.string(), z.unknown()),
      syncKey: z.object({ name: z.string(), value: z.string() }).nullable(),
    }),
  ),
});

const dryRun = createRoute({
  method: "post",
  path: "/api/v1/inbound-hooks/{id}/dry-run",
  operationId: "dryRunInboundHook",
  summary: "Render the hook's template, or a template to try, over a sample body; nothing is stored",
  middleware: [authenticate({ scope: "api" }), jsonBody()] as const,
  request: { params: idParam, body: jsonRequestBody(dryRunInput) },
  responses: { 200: jsonResponse(dryRunResult, "The fields each item maps to"), ...errors },
});

/** The tenant's own hook; another tenant's id is as unknown as a made-up one. */
async function ownHook(c: { get(key: "db"): Database; get(key: "tenant"): Tenant }, id: string) {
  const hook = await findHook(c.get("db"), c.get("tenant").id, id);
  if (!hook) throw new AppError("NOT_FOUND", `No inbound hook '${id}'`);
  return hook;
}

export const inboundHookConfigRoutes = newRouter()
  .openapi(listPresets, (c) => c.json({ items: PRESETS.map((preset) => ({ ...preset, auth: { ...preset.auth } })) }, 200))
  .openapi(createHook, async (c) => {
    const resolved = resolveHook(c.req.valid("json"));
    const hook = await insertHook(c.get("db"), secretStore(c.env), c.get("tenant").id, resolved.settings, resolved.secret!, actorOf(c.get("principal")));
    return c.json(toHookView(c, hook, resolved.generated ? resolved.secret : undefined), 201);
  })
  .openapi(listAll, async (c) => {
    const hooks = await listHooks(c.get("db"), c.get("tenant").id);
    return c.json({ items: hooks.map((hook) => toHookView(c, hook)) }, 200);
  })
  .openapi(getOne, async (c) => c.json(toHookView(c, await ownHook(c, c.req.valid("param").id)), 200))
  .openapi(replace, async (c) => {
    const current = await ownHook(c, c.req.valid("param").id);
    const input = c.req.valid("json");
    const sameKind = (input.auth?.kind ?? presetOf(input.preset).auth.kind) === current.authKind;
    const resolved = resolveHook(input, sameKind);
    const hook = await replaceHook(c.get("db"), secretStore(c.env), current, resolved.settings, resolved.secret, actorOf(c.get("principal")));
    return c.json(toHookView(c, hook, resolved.generated ? resolved.secret : undefined), 200);
  })
  .openapi(remove, async (c) => {
    await deleteHook(c.get("db"), c.get("data"), secretStore(c.env), await ownHook(c, c.req.valid("param").id), actorOf(c.get("principal")));
    return c.body(null, 204);
  })
  .openapi(dryRun, async (c) => {
    const hook = await ownHook(c, c.req.valid("param").id);
    const preset = presetOf(hook.preset);
    const sample = c.req.valid("json");
    const body = sample.body === undefined ? preset.sample.body : sample.body;
    const headers = new Headers(sample.headers ?? (sample.body === undefined ? preset.sample.headers : {}));
    try {
      const items = decideItems(compileTemplate(sample.template ?? hook.template), preset, hook.event, { body, headers: headerRecord(headers), now: Date.now() });
      return c.json(
        {
          eventId: vendorEventId(preset, headers, body),
          items: items.map(({ action, fields }) => ({ action, fields, syncKey: action === "ignore" ? null : (syncKeyValues(hook.syncKeys, fields)[0] ?? null) })),
        },
        200,
      );
    } catch (error) {
      if (error instanceof TemplateError) throw new AppError("TEMPLATE_FAILED", error.message);
      throw error;
    }
  });
