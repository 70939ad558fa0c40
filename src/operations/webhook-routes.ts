/**
 * The operational webhook routes, declared once for two owners: a tenant's own (`/api/v1/operational-webhook`,
 * scope `api`) and the operator's platform-wide one (`/admin/v1/operational-webhook`, admin token). PUT sets
 * `{url, events?}` (events left out: all), GET reads it (404 NOT_FOUND when none is set), DELETE removes it
 * (204), `/secret` reads its Standard Webhooks secret and `/secret/rotate` makes a new one.
 */
import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { newRouter, isoTime } from "../http/openapi-app";
import { errorResponses, jsonRequestBody, jsonResponse } from "../http/route-schemas";
import { jsonBody } from "../http/json-body";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { checkCallbackUrl } from "../outbound/ssrf-guard";
import { secretStore } from "../secrets/secret-store";
import type { Actor } from "../audit/actor";
import { operationalEventTypes, type OperationalEventType, type OperationalWebhook } from "../db/schema";
import { deleteOperationalWebhook, readOperationalSecret, requireOperationalWebhook, rotateOperationalSecret, saveOperationalWebhook } from "./operational-webhook-store";

const KNOWN_TYPES: ReadonlySet<string> = new Set(operationalEventTypes);

export const operationalWebhookBody = z
  .object({
    url: z.string().trim().min(1).max(2048).openapi({ description: "Where events go: the same rules as a subscription's callback URL (https, public host)" }),
    events: z
      .array(z.string())
      .min(1)
      .max(operationalEventTypes.length * 2)
      .superRefine((types, context) => {
        types.forEach((type, index) => {
          if (!KNOWN_TYPES.has(type)) context.addIssue({ code: "custom", path: [index], message: `unknown event type '${type}' (known: ${operationalEventTypes.join(", ")})` });
        });
      })
      .optional()
      .openapi({ description: `A non-empty subset of ${operationalEventTypes.join(", ")}; left out: all of them` }),
  })
  .strict();

const webhookView = z
  .object({
    url: z.string(),
    events: z.array(z.enum(operationalEventTypes)),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("OperationalWebhook");

const toView = (row: OperationalWebhook): z.infer<typeof webhookView> => ({
  url: row.url,
  events: row.events ?? [...operationalEventTypes],
  createdAt: isoTime(row.createdAt),
  updatedAt: isoTime(row.updatedAt),
});

/** The URL as stored: one the SSRF guard allows (https to a public host outside development). */
function checkedUrl(input: string, allowPrivate: boolean): string {
  const check = checkCallbackUrl(input, { allowPrivate });
  if (!check.ok) throw new AppError("VALIDATION_FAILED", "Request is invalid: url", [{ path: "url", message: check.message }]);
  return check.url.href;
}

export interface OperationalWebhookRouteOptions {
  /** The path of the configuration, relative to where the router is mounted. */
  path: string;
  /** Prefix of the operation ids (`tenant` or `admin`). */
  operationPrefix: string;
  /** Who may call: the tenant's `api` scope, or nothing (the admin router checks its token itself). */
  auth: (revealsSecret: boolean) => MiddlewareHandler<AppEnv>[];
  /** The configuration's owner for this request: the tenant's id or PLATFORM_OWNER. */
  ownerOf: (c: Context<AppEnv>) => string;
  /** Who is making the change, for the audit log. */
  actorOf: (c: Context<AppEnv>) => Actor;
  /** Whose webhook it is, for summaries. */
  whose: string;
}

export function operationalWebhookRoutes(options: OperationalWebhookRouteOptions) {
  const { path, operationPrefix, auth, ownerOf, actorOf, whose } = options;
  const route = <R extends RouteConfig>(config: R) => createRoute(config);
  const put = route({
    method: "put",
    path,
    operationId: `${operationPrefix}PutOperationalWebhook`,
    summary: `Set ${whose} operational webhook`,
    middleware: [...auth(false), jsonBody()],
    request: { body: jsonRequestBody(operationalWebhookBody) },
    responses: { 200: jsonResponse(webhookView, "The configuration as stored"), ...errorResponses(400, 401, 403, 413, 415) },
  });
  const get = route({
    method: "get",
    path,
    operationId: `${operationPrefix}GetOperationalWebhook`,
    summary: `Read ${whose} operational webhook`,
    middleware: auth(false),
    responses: { 200: jsonResponse(webhookView, "The configuration"), ...errorResponses(401, 403, 404) },
  });
  const remove = route({
    method: "delete",
    path,
    operationId: `${operationPrefix}DeleteOperationalWebhook`,
    summary: `Remove ${whose} operational webhook`,
    middleware: auth(false),
    responses: { 204: { description: "Removed" }, ...errorResponses(401, 403, 404) },
  });
  const secret = route({
    method: "get",
    path: `${path}/secret`,
    operationId: `${operationPrefix}GetOperationalWebhookSecret`,
    summary: `Read the signing secret of ${whose} operational webhook`,
    middleware: auth(true),
    responses: { 200: jsonResponse(z.object({ secret: z.string() }), "The current whsec_ secret"), ...errorResponses(401, 403, 404) },
  });
  const rotate = route({
    method: "post",
    path: `${path}/secret/rotate`,
    operationId: `${operationPrefix}RotateOperationalWebhookSecret`,
    summary: `Rotate the signing secret of ${whose} operational webhook`,
    middleware: auth(false),
    responses: {
      200: jsonResponse(z.object({ secret: z.string(), previousSecretExpiresAt: z.string() }), "The new whsec_ secret (the old one signs for 24 h more)"),
      ...errorResponses(401, 403, 404, 409),
    },
  });
  return newRouter()
    .openapi(put, async (c) => {
      const body = c.req.valid("json") as z.infer<typeof operationalWebhookBody>;
      const events = body.events ? ([...new Set(body.events)] as OperationalEventType[]) : null;
      const url = checkedUrl(body.url, c.get("config").allowPrivateNetworks);
      const saved = await saveOperationalWebhook(c.get("db"), secretStore(c.env), ownerOf(c), { url, events }, actorOf(c));
      return c.json(toView(saved), 200);
    })
    .openapi(get, async (c) => c.json(toView(await requireOperationalWebhook(c.get("db"), ownerOf(c))), 200))
    .openapi(remove, async (c) => {
      await deleteOperationalWebhook(c.get("db"), secretStore(c.env), ownerOf(c), actorOf(c));
      return c.body(null, 204);
    })
    .openapi(secret, async (c) => c.json({ secret: await readOperationalSecret(c.get("db"), secretStore(c.env), ownerOf(c)) }, 200))
    .openapi(rotate, async (c) => c.json(await rotateOperationalSecret(c.get("db"), secretStore(c.env), ownerOf(c), actorOf(c)), 200));
}
