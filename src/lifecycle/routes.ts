/**
 * Tenant API for lifecycle hooks (issue 8, seed 001's webhook configuration): PUT and GET the tenant's one
 * configuration (the token sealed in KV and masked on every read; sending the mask back keeps it; leaving it
 * out has Hookgate issue one, answered once), rotate-token (issue 18: a new issued token, answered once), and
 * "save & test", which POSTs `{}` to `{baseUrl}/test` with the Bearer token and reports what came back.
 */
import { createRoute, z } from "@hono/zod-openapi";
import { newRouter, errors, isoTime } from "../http/openapi-app";
import { jsonBody } from "../http/json-body";
import { authenticate } from "../auth/authenticate";
import { AppError } from "../runtime/errors";
import { lifecycleHookNames, type LifecycleHooks } from "../db/schema";
import { MASKED_SECRET } from "../secrets/seal";
import { checkCallbackUrl } from "../outbound/ssrf-guard";
import { findLifecycleConfig, lifecycleTarget, rotateLifecycleToken, saveLifecycleConfig, type SavedLifecycleConfig, type TokenChoice } from "./config-store";
import { buildHookRequest } from "./hook-requests";
import { sendHook } from "./hook-client";
import { actorOf } from "../audit/actor";
import { rateLimitPerSecond } from "../subscriptions/subscription-settings";

export const DEFAULT_TIMEOUT_MS = 3_000;
export const MIN_TIMEOUT_MS = 100;
/** The synchronous hooks sit in the vendor's request: keep the worst case well inside its patience. */
export const MAX_TIMEOUT_MS = 10_000;

const auth = () => [authenticate({ scope: "api" })];
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });


const configBody = z.object({
  baseUrl: z.string().trim().min(1, "is required").max(2048),
  token: z
    .string()
    .min(1, "must not be empty")
    .max(8192)
    .optional()
    .openapi({ description: "Your own token (only sent to the hooks), `********` to keep the stored one, or leave it out: Hookgate issues one (`hglt_…`, also a read-only API credential), answered once" }),
  enabled: z.array(z.enum(lifecycleHookNames)).max(lifecycleHookNames.length * 2),
  timeoutMs: z.int().min(MIN_TIMEOUT_MS).max(MAX_TIMEOUT_MS).default(DEFAULT_TIMEOUT_MS),
  onTimeout: z.enum(["reject", "allow"]).default("reject"),
  rateLimitPerSecond: rateLimitPerSecond()
    .nullish()
    .openapi({
      description:
        "At most this many asynchronous hook calls (postCreateUser, postUpdateUser, runDeprovision…) a second for the tenant, in order. " +
        "Left out: the stored value (unlimited at first); `null` makes it unlimited.",
    }),
});

const configView = z
  .object({
    baseUrl: z.string(),
    token: z.string().openapi({ description: "`********`, except in the answer that issued a token: the new `hglt_…` token, shown this once" }),
    tokenSource: z.enum(["issued", "supplied"]).openapi({
      description: "`issued`: Hookgate made the token, which is also a read-only credential for this tenant's API; `supplied`: the tenant's own, only sent to the hooks",
    }),
    enabled: z.array(z.enum(lifecycleHookNames)),
    timeoutMs: z.number().int(),
    onTimeout: z.enum(["reject", "allow"]),
    rateLimitPerSecond: z.number().int().nullable().openapi({ description: "Asynchronous hook calls a second at most; null = unlimited" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("LifecycleHooks");

const toView = (config: LifecycleHooks, issuedToken: string | null = null): z.infer<typeof configView> => ({
  baseUrl: config.baseUrl,
  token: issuedToken ?? MASKED_SECRET,
  tokenSource: config.tokenHash === null ? "supplied" : "issued",
  enabled: config.enabled,
  timeoutMs: config.timeoutMs,
  onTimeout: config.onTimeout,
  rateLimitPerSecond: config.rateLimitPerSecond,
  createdAt: isoTime(config.createdAt),
  updatedAt: isoTime(config.updatedAt),
});

const putConfig = createRoute({
  method: "put",
  path: "/api/v1/lifecycle-hooks",
  operationId: "saveLifecycleHooks",
  summary: "Save the lifecycle hooks configuration",
  middleware: [...auth(), jsonBody()],
  request: { body: { required: true, content: { "application/json": { schema: configBody } } } },
  responses: { 200: json(configView, "The saved configuration; the token masked, unless this save issued it"), ...errors },
});

const rotateToken = createRoute({
  method: "post",
  path: "/api/v1/lifecycle-hooks/rotate-token",
  operationId: "rotateLifecycleHooksToken",
  summary: "Issue a new lifecycle hooks token in place of the current one",
  middleware: auth(),
  responses: {
    200: json(configView, "The configuration with the new token, shown this once; the old one stops working at once"),
    401: errors[401],
    403: errors[403],
    404: errors[404],
    409: { ...errors[409], description: "Another rotation or save changed the token at the same time; nothing was rotated (CONFLICT)" },
  },
});

const getConfig = createRoute({
  method: "get",
  path: "/api/v1/lifecycle-hooks",
  operationId: "getLifecycleHooks",
  summary: "Read the lifecycle hooks configuration",
  middleware: auth(),
  responses: { 200: json(configView, "The configuration, token masked"), 401: errors[401], 403: errors[403], 404: errors[404] },
});

const testHooks = createRoute({
  method: "post",
  path: "/api/v1/lifecycle-hooks/test",
  operationId: "testLifecycleHooks",
  summary: "Call the tenant's lifecycle /test endpoint",
  middleware: auth(),
  responses: {
    200: json(
      z.object({
        status: z.number().int().nullable(),
        latencyMs: z.number().int(),
        body: z.unknown().describe("The answer: parsed JSON, else text; null when nothing came back"),
        error: z.string().nullable(),
      }),
      "What the tenant's /test endpoint answered (any status)",
    ),
    401: errors[401],
    403: errors[403],
    404: errors[404],
  },
});

/** The base URL as stored: a URL the SSRF guard allows, without query or fragment, without a trailing slash. */
function baseUrlOf(input: string, allowPrivate: boolean): string {
  const invalid = (message: string) => new AppError("VALIDATION_FAILED", `Request is invalid: baseUrl`, [{ path: "baseUrl", message }]);
  const check = checkCallbackUrl(input, { allowPrivate });
  if (!check.ok) throw invalid(check.message);
  if (check.url.search !== "" || check.url.hash !== "") throw invalid("must not carry a query or a fragment: hook names are appended to it");
  return check.url.href.replace(/\/+$/, "");
}

const notConfigured = () => new AppError("NOT_FOUND", "No lifecycle hooks are configured for this tenant");

/** The body's token as a save's choice: absent issues (or keeps an issued one), the mask keeps, a value is the tenant's own. */
const tokenChoice = (token: string | undefined): TokenChoice => (token === undefined ? "issue" : token === MASKED_SECRET ? "keep" : { supplied: token });

const savedView = (saved: SavedLifecycleConfig) => toView(saved.config, saved.issuedToken);

export const lifecycleRoutes = newRouter()
  .openapi(putConfig, async (c) => {
    const body = c.req.valid("json");
    const tenantId = c.get("tenant").id;
    const input = {
      baseUrl: baseUrlOf(body.baseUrl, c.get("config").allowPrivateNetworks),
      token: tokenChoice(body.token),
      enabled: [...new Set(body.enabled)],
      timeoutMs: body.timeoutMs,
      onTimeout: body.onTimeout,
      rateLimitPerSecond: body.rateLimitPerSecond,
    };
    const saved = await saveLifecycleConfig(c.env, c.get("db"), tenantId, input, actorOf(c.get("principal")));
    // The post hooks enabled now decide whether commits on User wake delivery (see delivery-interest.ts).
    c.get("deliveryInterestChanged")(tenantId);
    return c.json(savedView(saved), 200);
  })
  .openapi(rotateToken, async (c) => {
    const rotated = await rotateLifecycleToken(c.env, c.get("db"), c.get("tenant").id, actorOf(c.get("principal")));
    if (!rotated) throw notConfigured();
    return c.json(savedView(rotated), 200);
  })
  .openapi(getConfig, async (c) => {
    const config = await findLifecycleConfig(c.get("db"), c.get("tenant").id);
    if (!config) throw notConfigured();
    return c.json(toView(config), 200);
  })
  .openapi(testHooks, async (c) => {
    const config = await findLifecycleConfig(c.get("db"), c.get("tenant").id);
    const target = config && (await lifecycleTarget(c.env, config));
    if (!target) throw notConfigured();
    const exchange = await sendHook(buildHookRequest(target, { hook: "test" }), { timeoutMs: target.timeoutMs, allowPrivate: c.get("config").allowPrivateNetworks });
    if (!exchange.ok) return c.json({ status: null, latencyMs: exchange.latencyMs, body: null, error: exchange.error }, 200);
    return c.json({ status: exchange.status, latencyMs: exchange.latencyMs, body: parsedOrText(exchange.text), error: null }, 200);
  });

function parsedOrText(text: string): unknown {
  if (text === "") return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
