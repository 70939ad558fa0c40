/**
 * Sends one synchronous lifecycle hook request through the SSRF guard and the engine's one outbound door
 * (`sendOutbound`), with a hard timeout that covers reading the answer too. The answer is read up to
 * MAX_ANSWER_BYTES, enough for a user object; the caller parses it.
 */
import { checkCallbackUrl } from "../outbound/ssrf-guard";
import { sendOutbound, USER_AGENT } from "../outbound/transport";
import type { HookRequest } from "./hook-requests";
import { readBodyText } from "../http/read-body";

export const MAX_ANSWER_BYTES = 64 * 1024;

export type HookExchange =
  | { ok: true; status: number; text: string; latencyMs: number }
  | { ok: false; error: string; timedOut: boolean; latencyMs: number };

const readAnswer = (response: Response): Promise<string> => readBodyText(response.body, MAX_ANSWER_BYTES, "throw");

export async function sendHook(request: HookRequest, options: { timeoutMs: number; allowPrivate: boolean }): Promise<HookExchange> {
  const started = Date.now();
  const guard = checkCallbackUrl(request.url, { allowPrivate: options.allowPrivate });
  if (!guard.ok) return { ok: false, error: `Refused by the SSRF guard: ${guard.message}`, timedOut: false, latencyMs: 0 };
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error("timeout"));
    }, options.timeoutMs);
  });
  try {
    const exchange = (async () => {
      const response = await sendOutbound(
        new Request(guard.url, {
          method: "POST",
          headers: { ...request.headers, "user-agent": USER_AGENT },
          body: request.body,
          redirect: "manual",
          signal: abort.signal,
        }),
      );
      return { status: response.status, text: await readAnswer(response) };
    })();
    const { status, text } = await Promise.race([exchange, timedOut]);
    return { ok: true, status, text, latencyMs: Date.now() - started };
  } catch (error) {
    const aborted = abort.signal.aborted;
    const message = aborted ? `timed out after ${options.timeoutMs} ms` : error instanceof Error ? error.message : String(error);
    return { ok: false, error: message, timedOut: aborted, latencyMs: Date.now() - started };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
