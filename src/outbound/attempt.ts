/**
 * One outbound attempt: send the request with a hard timeout, never following redirects, and reduce what
 * happened to an AttemptOutcome plus what the attempt log keeps (status, error, first 1 KiB of the body).
 */
import { sendOutbound } from "./transport";
import { readBodyText } from "../http/read-body";

/** What happened to one attempt, as the fetch wrapper saw it. */
export type AttemptOutcome =
  | { kind: "response"; status: number; retryAfter?: string | null }
  | { kind: "timeout" }
  /**
   * `beforeSend`: the request provably never reached the receiver (connection refused, DNS failure).
   * `final`: no retry can succeed (the request could not be built, e.g. a file it carries is no longer stored).
   */
  | { kind: "network_error"; error: string; beforeSend?: boolean; final?: boolean };

export const RESPONSE_EXCERPT_BYTES = 1024;

export interface AttemptRecord {
  outcome: AttemptOutcome;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/**
 * The first RESPONSE_EXCERPT_BYTES of the answer. A body whose declared length fits is read whole in one call
 * (the runtime reads no more than Content-Length of an HTTP/1.1 body); any other is streamed and cut.
 */
function excerpt(response: Response): Promise<string> {
  const declared = response.headers.get("content-length");
  if (declared !== null && /^\d{1,4}$/.test(declared) && Number(declared) <= RESPONSE_EXCERPT_BYTES && !response.headers.has("content-encoding")) {
    return response.text();
  }
  return readBodyText(response.body, RESPONSE_EXCERPT_BYTES, "truncate");
}

export async function attempt(request: Request, timeoutMs: number, now: () => number = Date.now): Promise<AttemptRecord> {
  const startedAt = now();
  const timeout = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Abort the request and stop waiting for it: a transport that ignores the signal cannot hold us past the limit.
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timeout.abort();
      reject(new Error("timeout"));
    }, timeoutMs);
  });
  try {
    const response = await Promise.race([sendOutbound(new Request(request, { redirect: "manual", signal: timeout.signal })), timedOut]);
    const body = await excerpt(response);
    return {
      outcome: { kind: "response", status: response.status, retryAfter: response.headers.get("retry-after") },
      startedAt,
      durationMs: now() - startedAt,
      statusCode: response.status,
      error: null,
      responseExcerpt: body,
    };
  } catch (error) {
    const aborted = timeout.signal.aborted;
    const message = aborted ? `Timed out after ${timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    return {
      outcome: aborted ? { kind: "timeout" } : { kind: "network_error", error: message },
      startedAt,
      durationMs: now() - startedAt,
      statusCode: null,
      error: message,
      responseExcerpt: null,
    };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
