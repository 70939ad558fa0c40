/**
 * Typed errors and the one JSON envelope every failure is rendered in:
 * {"error":{"code","message","details"?},"requestId"}. Routes throw AppError; nothing else builds error bodies.
 */

/** The closed set of machine-readable codes and the HTTP status each one maps to. */
export const errorStatus = {
  INVALID_JSON: 400,
  VALIDATION_FAILED: 400,
  /** An inbound hook's Jinja template failed to render or did not produce a JSON object of fields. */
  TEMPLATE_FAILED: 400,
  UNAUTHORIZED: 401,
  /** An inbound hook's signature (HMAC, Standard Webhooks) is missing, stale or does not match. */
  SIGNATURE_INVALID: 401,
  FORBIDDEN: 403,
  TENANT_SUSPENDED: 403,
  NOT_FOUND: 404,
  TENANT_NOT_FOUND: 404,
  /** An inbound hook's `update` or `archive` found no record through its sync keys. */
  RECORD_NOT_FOUND: 404,
  CONFLICT: 409,
  /** The record is archived (a terminated user): it takes no password change or provisioning. */
  RECORD_ARCHIVED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The tenant's synchronous lifecycle hook (validateUser ...) refused the change; the message is the tenant's. */
  HOOK_REJECTED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** The tenant's synchronous lifecycle hook failed or timed out under the `reject` policy. */
  HOOK_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;
type ErrorStatus = (typeof errorStatus)[ErrorCode];

export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  readonly status: ErrorStatus;

  /**
   * `logMessage`: what the tenant's own logs (the inbound request log) keep instead of `message` when the caller
   * must not see it: the tenant's hook failure, a host its SSRF guard refused.
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly headers?: Record<string, string>,
    readonly logMessage?: string,
  ) {
    super(message);
    this.name = "AppError";
    this.status = errorStatus[code];
  }
}

interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
  requestId: string;
}

/** Renders an error's body; the status, code and headers are the AppError's own (see http/error-format.ts). */
export type ErrorFormat = (error: AppError, requestId: string) => unknown;

export function errorEnvelope(error: AppError, requestId: string): ErrorEnvelope {
  const body: ErrorEnvelope["error"] = { code: error.code, message: error.message };
  if (error.details && error.details.length > 0) body.details = error.details;
  return { error: body, requestId };
}

/** Anything that is not an AppError becomes INTERNAL with a fixed message: internals never leak. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return new AppError("INTERNAL", "Internal error; the request id identifies it in the logs");
}
