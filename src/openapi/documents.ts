/**
 * The OpenAPI 3.1 documents, generated from the routers' `createRoute` declarations (never hand-written):
 * the tenant API (`/openapi.json`) and the admin API (`/admin/openapi.json`). What the route declarations
 * cannot say is added here: servers, security schemes, which routes need no credentials, and the AR System
 * error array that `/api/arsys/*` and `/api/jwt/*` answer with instead of the envelope.
 */
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/app-env";
import { errorEnvelopeSchema, newRouter } from "../http/openapi-app";
import { isArSystemPath } from "../arsys/ar-errors";

type Router = OpenAPIHono<AppEnv>;
type Document = ReturnType<Router["getOpenAPI31Document"]>;

const OPENAPI_VERSION = "3.1.0";
const ADMIN_BASE_PATH = "/admin/v1";

/** AR System clients parse this array (see src/arsys/ar-errors.ts), not the envelope. */
const arErrorsSchema = z
  .array(
    z.object({
      messageType: z.literal("ERROR"),
      messageText: z.string(),
      messageAppendedText: z.string(),
      messageNumber: z.number().int().openapi({ description: "AR message number: 302 not found, 382 unique index violated, 623 authentication failed, 624 too many failed sign-ins, 326 invalid value" }),
    }),
  )
  .openapi("ArErrors", { description: "AR System error messages, answered on /api/arsys/* and /api/jwt/* in place of the error envelope" });

const healthSchema = z.object({ status: z.literal("ok") }).openapi("Health");

const TENANT_SECURITY_SCHEMES = {
  apiKey: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description: "A tenant API key sent bare: `Authorization: <key>` (as the seed's vendors send it).",
  },
  bearerApiKey: { type: "http", scheme: "bearer", description: "A tenant API key: `Authorization: Bearer <key>`." },
  serviceAccount: { type: "http", scheme: "basic", description: "A tenant service account: `Authorization: Basic base64(email:password)`." },
  arJwt: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description: "An AR System token from `POST /api/jwt/login`: `Authorization: AR-JWT <token>`.",
  },
} as const;

const TENANT_SECURITY: Record<string, string[]>[] = [{ apiKey: [] }, { bearerApiKey: [] }, { serviceAccount: [] }, { arJwt: [] }];

/** Tenant routes that take no Authorization credential (JWT login takes a form; hooks verify a signature). */
const isUnauthenticated = (path: string): boolean => path === "/api/jwt/login" || path.startsWith("/hooks/");

const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

type Operation = { security?: unknown; responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };

function forEachOperation(document: Document, visit: (path: string, operation: Operation) => void) {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (operation) visit(path, operation);
    }
  }
}

const ERROR_REF = "#/components/schemas/Error";
const AR_ERRORS_REF = "#/components/schemas/ArErrors";

/** On AR System paths every envelope error response is the AR array instead. */
function useArErrors(path: string, operation: Operation) {
  if (!isArSystemPath(path)) return;
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const json = response.content?.["application/json"];
    if (Number(status) >= 400 && (json?.schema as { $ref?: string } | undefined)?.$ref === ERROR_REF) {
      json!.schema = { $ref: AR_ERRORS_REF };
    }
  }
}

export interface DocumentOptions {
  /** `BASE_DOMAIN` of the deployment the document describes. */
  baseDomain: string;
  /** `https` in production; the request's own scheme otherwise. */
  protocol: string;
}

export function tenantDocument(tenantApi: Router, { baseDomain, protocol }: DocumentOptions): Document {
  const router = newRouter().route("/", tenantApi);
  router.openAPIRegistry.register("ArErrors", arErrorsSchema);
  router.openAPIRegistry.register("Error", errorEnvelopeSchema);
  router.openAPIRegistry.registerPath({
    method: "get",
    path: "/healthz",
    operationId: "getHealth",
    summary: "Liveness probe (answers on any host, no tenant needed)",
    security: [],
    responses: { 200: { description: "The Worker is up", content: { "application/json": { schema: healthSchema } } } },
  });
  const document = router.getOpenAPI31Document({
    openapi: OPENAPI_VERSION,
    info: {
      title: "Hookgate tenant API",
      version: "1.0.0",
      description: [
        "Every tenant route answers on the tenant's own host, `https://{tenant}.<BASE_DOMAIN>/…`, and equally under a path prefix on any host, `https://<BASE_DOMAIN>/t/{tenant}/…` (the second server below).",
        "",
        "Errors are one JSON envelope, `{ error: { code, message, details? }, requestId }` (schema `Error`), with an `X-Request-Id` header. `/api/arsys/*` and `/api/jwt/*` answer AR System's error array instead (schema `ArErrors`), with the same HTTP status.",
        "",
        "Credentials go in the `Authorization` header: a tenant API key (bare or `Bearer`), a service account (`Basic`), or an `AR-JWT` token. Inbound hooks (`/hooks/{hookId}`) verify the sender's signature instead. Vendor-facing inbound routes are rate-limited per client address and tenant before authentication, and per tenant once authenticated (429 `RATE_LIMITED` with `Retry-After`); an exact resend of an HMAC-signed hook delivery within 24 h answers 200 with `replayed: true`.",
      ].join("\n"),
    },
    servers: [
      {
        url: `${protocol}://{tenant}.{baseDomain}`,
        description: "The tenant's own host; `tenant` is the tenant's slug",
        variables: { tenant: { default: "acme" }, baseDomain: { default: baseDomain } },
      },
      {
        url: `${protocol}://{baseDomain}/t/{tenant}`,
        description: "Any host, the tenant's slug in the path",
        variables: { tenant: { default: "acme" }, baseDomain: { default: baseDomain } },
      },
    ],
    security: TENANT_SECURITY,
  });
  document.components = { ...document.components, securitySchemes: TENANT_SECURITY_SCHEMES };
  forEachOperation(document, (path, operation) => {
    if (isUnauthenticated(path)) operation.security = [];
    useArErrors(path, operation);
  });
  return document;
}

export function adminDocument(adminApi: Router, { baseDomain, protocol }: DocumentOptions): Document {
  const router = newRouter().route(ADMIN_BASE_PATH, adminApi);
  const document = router.getOpenAPI31Document({
    openapi: OPENAPI_VERSION,
    info: {
      title: "Hookgate admin API",
      version: "1.0.0",
      description:
        "Operator API: tenants, their API keys and service accounts. Answers on any host with `Authorization: Bearer <ADMIN_TOKEN>`. Errors are the JSON envelope (schema `Error`).",
    },
    servers: [{ url: `${protocol}://{baseDomain}`, variables: { baseDomain: { default: baseDomain } } }],
    security: [{ adminToken: [] }],
  });
  document.components = {
    ...document.components,
    securitySchemes: { adminToken: { type: "http", scheme: "bearer", description: "The deployment's `ADMIN_TOKEN` secret." } },
  };
  return document;
}
