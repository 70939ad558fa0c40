/**
 * Reads a tenant's synchronous answer to a lifecycle hook (seed 001): `{"response":{"data":{...user...}}}`
 * (the same or a modified user), `{"response":{"error":true,"message":"..."}}` (a rejection, also accepted
 * with a 4xx status, as onePortal's seed 002 describes), `{"response":{"mappedValue":...}}` (policyMap),
 * `{"response":{"data":true}}` (runDeprovision) and `{"response":{}}` (nothing to say). Anything else is a
 * failure of the hook, which the caller's policy decides about. Pure.
 */
import type { CymmetriUser } from "./hook-requests";

export type HookAnswer =
  /** The tenant refused the change, with the message to show. */
  | { kind: "rejected"; message: string }
  /** `data` was a user object: the same or a modified user. */
  | { kind: "user"; user: CymmetriUser }
  /** policyMap's answer. */
  | { kind: "mapped_value"; value: unknown }
  /** `data` was a flag (runDeprovision answers `true`). */
  | { kind: "flag"; value: boolean }
  /** A well-formed answer with nothing in it. */
  | { kind: "accepted" }
  /** Not an answer: a non-2xx status, a body that is not JSON, or not the envelope. */
  | { kind: "invalid"; reason: string };

export const DEFAULT_REJECTION_MESSAGE = "Rejected by the tenant's lifecycle hook";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function parseHookAnswer(status: number, text: string): HookAnswer {
  const success = status >= 200 && status <= 299;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { kind: "invalid", reason: success ? "answered with a body that is not JSON" : `answered ${status}` };
  }
  const response = isObject(parsed) ? parsed.response : undefined;
  if (isObject(response) && response.error === true) {
    const message = typeof response.message === "string" && response.message.trim() !== "" ? response.message : DEFAULT_REJECTION_MESSAGE;
    if (success || (status >= 400 && status <= 499)) return { kind: "rejected", message };
  }
  if (!success) return { kind: "invalid", reason: `answered ${status}` };
  if (!isObject(response)) return { kind: "invalid", reason: 'answered JSON without a "response" object' };
  if ("mappedValue" in response) return { kind: "mapped_value", value: response.mappedValue };
  const data = response.data;
  if (isObject(data)) return { kind: "user", user: data };
  if (typeof data === "boolean") return { kind: "flag", value: data };
  if (data === undefined || data === null) return { kind: "accepted" };
  return { kind: "invalid", reason: '"response.data" is neither a user object nor a flag' };
}
