/** The app's onError and notFound handlers: every failure leaves as the one JSON envelope. */
import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "./app-env";
import { AppError, toAppError } from "../runtime/errors";
import { logLine } from "../runtime/log";
import { defaultErrorFormat } from "./error-format";

function fromHttpException(error: HTTPException): AppError {
  if (error.status === 400) return new AppError("INVALID_JSON", error.message || "Malformed request body");
  if (error.status === 413) return new AppError("PAYLOAD_TOO_LARGE", "Request body is too large");
  if (error.status === 415) return new AppError("UNSUPPORTED_MEDIA_TYPE", "Unsupported Content-Type for this route");
  return new AppError("INTERNAL", "Internal error; the request id identifies it in the logs");
}

function errorResponse(c: Context<AppEnv>, error: AppError): Response {
  // requestId is unset only when the very first middleware failed.
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  const headers: Record<string, string> = { "X-Request-Id": requestId, ...error.headers };
  const format = c.get("errorFormat") ?? defaultErrorFormat;
  return c.json(format(error, requestId), error.status, headers);
}

export const renderError: ErrorHandler<AppEnv> = (error, c) => {
  const appError = error instanceof HTTPException ? fromHttpException(error) : toAppError(error);
  if (appError.code === "INTERNAL") {
    logLine("error", "unhandled_error", {
      requestId: c.get("requestId"),
      path: new URL(c.req.url).pathname,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }
  return errorResponse(c, appError);
};

export const renderNotFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, new AppError("NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`));
