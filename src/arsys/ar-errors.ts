/**
 * AR System style errors for `/api/arsys/*` and `/api/jwt/*`: AR REST clients parse a JSON array of
 * messages, not Hookgate's envelope. The HTTP status is the same as everywhere; the AR message number says
 * the same thing in AR's terms (302 entry not found, 382 unique index violated, 623 authentication failed, 624 too
 * many failed sign-ins).
 */
import type { AppError, ErrorCode } from "../runtime/errors";
import { useErrorFormat } from "../http/error-format";

export interface ArMessage {
  messageType: "ERROR";
  messageText: string;
  messageAppendedText: string;
  messageNumber: number;
}

const AR_MESSAGE: Partial<Record<ErrorCode, { number: number; text: string }>> = {
  INVALID_JSON: { number: 8790, text: "The request body is not valid JSON" },
  VALIDATION_FAILED: { number: 326, text: "Required field cannot be blank or has an invalid value" },
  UNAUTHORIZED: { number: 623, text: "Authentication failed" },
  FORBIDDEN: { number: 9352, text: "You do not have access to this operation" },
  TENANT_SUSPENDED: { number: 9352, text: "You do not have access to this operation" },
  NOT_FOUND: { number: 302, text: "Entry does not exist in database" },
  TENANT_NOT_FOUND: { number: 302, text: "Entry does not exist in database" },
  CONFLICT: { number: 382, text: "The value(s) for this entry violate a unique index that has been defined for this form" },
  PAYLOAD_TOO_LARGE: { number: 8791, text: "The request body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { number: 8792, text: "Unsupported content type" },
  // AR's own number for a sign-in refused after too many bad passwords (the throttle: auth/sign-in-throttle.ts).
  RATE_LIMITED: { number: 624, text: "Too many failed sign-in attempts" },
  // A veto of the tenant's synchronous lifecycle hook is AR's filter error (user-defined messages start at 10000);
  // the tenant's own message is the appended text.
  HOOK_REJECTED: { number: 10000, text: "The change was rejected by the tenant's lifecycle hook" },
  HOOK_UNAVAILABLE: { number: 10001, text: "The tenant's lifecycle hook is unavailable; nothing was changed" },
};

const INTERNAL_MESSAGE = { number: 8760, text: "Internal server error" };

/** The AR System routes, relative to the tenant API: their clients expect AR's error array. */
export const AR_SYSTEM_ROUTES = ["/api/arsys", "/api/arsys/*", "/api/jwt", "/api/jwt/*"] as const;

/** Paths whose clients expect AR's error array (with or without the /t/{tenant} prefix), for the API documents. */
export const isArSystemPath = (pathname: string): boolean => /^(\/t\/[^/]+)?\/api\/(arsys|jwt)(\/|$)/.test(pathname);

export function arErrorBody(error: AppError): ArMessage[] {
  const message = AR_MESSAGE[error.code] ?? INTERNAL_MESSAGE;
  const details = error.details?.map((detail) => `${detail.path}: ${detail.message}`).join("; ");
  return [
    {
      messageType: "ERROR",
      messageText: message.text,
      messageAppendedText: details ? `${error.message} (${details})` : error.message,
      messageNumber: message.number,
    },
  ];
}

/** Middleware for the AR System routes: their errors (and 404s) leave as AR's error array. */
export const arErrorFormat = () => useErrorFormat((error) => arErrorBody(error));
