/**
 * Azure Event Grid's subscription validation in the Event Grid schema: a POST with `aeg-event-type:
 * SubscriptionValidation` whose body is `[{"eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
 * "data": {"validationCode": …}}]`, answered `{"validationResponse": <validationCode>}`. (The CloudEvents schema
 * validates with the OPTIONS handshake instead.) Pure.
 */
import type { InboundHookPreset } from "./presets/types";

const VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";

/** The validation code to echo, or null when the request is not the preset's Event Grid validation. */
export function eventGridValidationCode(preset: InboundHookPreset, headers: Headers, body: unknown): string | null {
  if (!preset.eventGridValidation || headers.get("aeg-event-type") !== "SubscriptionValidation") return null;
  const event: unknown = Array.isArray(body) ? body[0] : body;
  if (event === null || typeof event !== "object") return null;
  const { eventType, data } = event as { eventType?: unknown; data?: { validationCode?: unknown } };
  const code = eventType === VALIDATION_EVENT && data && typeof data === "object" ? data.validationCode : undefined;
  return typeof code === "string" && code !== "" ? code : null;
}
