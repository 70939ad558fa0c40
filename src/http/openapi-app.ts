/** Every router is an OpenAPIHono whose zod validation failures throw VALIDATION_FAILED. */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "./app-env";
import { throwOnInvalid } from "./validation";

export const newRouter = () => new OpenAPIHono<AppEnv>({ defaultHook: throwOnInvalid });

/** The error envelope, declared once for every route's error responses. */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
    requestId: z.string(),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: errorEnvelopeSchema } },
});

/** Error responses by status, to spread into a route's `responses`. */
export const errors = {
  400: errorResponse("Invalid JSON or failed validation"),
  401: errorResponse("Missing or wrong credentials"),
  403: errorResponse("Forbidden or tenant suspended"),
  404: errorResponse("Not found"),
  409: errorResponse("Conflict"),
  413: errorResponse("Body too large"),
  415: errorResponse("Content-Type is not application/json"),
} as const;

/** Extra error responses of the vendor-facing inbound routes (rate limit, tenant lifecycle hooks). */
export const inboundErrors = {
  422: errorResponse("The tenant's lifecycle hook rejected the change (HOOK_REJECTED)"),
  429: errorResponse("Too many requests from this address for this tenant, or once authenticated for this tenant (RATE_LIMITED, with Retry-After)"),
  503: errorResponse("The tenant's lifecycle hook failed under onTimeout: reject (HOOK_UNAVAILABLE)"),
} as const;

export const isoTime = (ms: number): string => new Date(ms).toISOString();
export const isoTimeOrNull = (ms: number | null): string | null => (ms === null ? null : isoTime(ms));
