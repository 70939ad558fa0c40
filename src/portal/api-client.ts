/**
 * The portal is a view over the tenant API: every read and every change goes through the same routes,
 * validation and error codes as an API client's, dispatched in process with the session's principal
 * attached (auth/internal-principal.ts) instead of a credential. Errors come back normalised from both the
 * Hookgate envelope and AR's message array, so a page can show `code` and `message`.
 */
import type { ExecutionContext } from "hono";
import type { Bindings } from "../runtime/env";
import type { Principal } from "../auth/principal";
import { actAs } from "../auth/internal-principal";

/** How the portal reaches the app it is mounted in (app.fetch), without importing it. */
export type Dispatch = (request: Request, env: Bindings, ctx: ExecutionContext) => Response | Promise<Response>;

export interface ApiError {
  code: string;
  message: string;
  details?: { path: string; message: string }[];
}

export type ApiResult<T> =
  | { ok: true; status: number; body: T; headers: Headers }
  | { ok: false; status: number; error: ApiError; headers: Headers };

export type Query = Record<string, string | number | undefined | null>;

export interface PortalApi {
  get<T>(path: string, query?: Query): Promise<ApiResult<T>>;
  send<T>(method: "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<ApiResult<T>>;
}

interface ApiClientContext {
  dispatch: Dispatch;
  env: Bindings;
  executionCtx: ExecutionContext;
  /** Origin + portal base ("" or /t/{slug}) of the incoming request: API paths are resolved under it. */
  apiRoot: string;
  principal: Principal;
}

export function portalApiClient(context: ApiClientContext): PortalApi {
  const call = async <T>(method: string, path: string, query?: Query, body?: unknown): Promise<ApiResult<T>> => {
    const url = new URL(context.apiRoot + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
    }
    const init: RequestInit =
      body === undefined
        ? { method, headers: { accept: "application/json" } }
        : { method, headers: { accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(body) };
    const response = await context.dispatch(actAs(new Request(url, init), context.principal), context.env, context.executionCtx);
    const text = await response.text();
    const parsed = parseJson(text);
    if (response.ok) return { ok: true, status: response.status, body: parsed as T, headers: response.headers };
    return { ok: false, status: response.status, error: normaliseError(response.status, parsed, text), headers: response.headers };
  };
  return {
    get: (path, query) => call("GET", path, query),
    send: (method, path, body) => call(method, path, undefined, body),
  };
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Hookgate's `{error:{code,message,details}}` or AR's `[{messageText, messageAppendedText, messageNumber}]`. */
function normaliseError(status: number, body: unknown, text: string): ApiError {
  if (body && typeof body === "object" && "error" in body) {
    const error = (body as { error: ApiError }).error;
    return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  }
  if (Array.isArray(body) && body[0] && typeof body[0] === "object") {
    const message = body[0] as { messageText?: string; messageAppendedText?: string; messageNumber?: number };
    const text = [message.messageText, message.messageAppendedText].filter(Boolean).join(": ");
    return { code: `AR_${message.messageNumber ?? status}`, message: text || `HTTP ${status}` };
  }
  return { code: `HTTP_${status}`, message: text.slice(0, 200) || `HTTP ${status}` };
}
