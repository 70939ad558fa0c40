/**
 * An operational event in one readable line: its type's name, and the parts of its `data` a tenant acts on
 * (the subscription and delivery, linked; the reason; the last status or error), whichever the event carries.
 */
import type { Child } from "hono/jsx";

export const EVENT_TYPE_LABELS: Record<string, string> = {
  "delivery.dead_lettered": "Delivery dead-lettered",
  "stream.blocked": "Stream blocked",
  "subscription.disabled": "Subscription disabled",
  "subscription.circuit_opened": "Circuit breaker opened",
  "subscription.recovered": "Subscription recovered",
  "lifecycle_hook.failed": "Lifecycle hook failed",
};

/** Errors can be long (a receiver's message): the line keeps their start. */
const MAX_TEXT = 160;

const text = (value: unknown): string | null => {
  if (value === null || value === undefined || value === "") return null;
  const shown = typeof value === "string" ? value : JSON.stringify(value);
  return shown.length > MAX_TEXT ? `${shown.slice(0, MAX_TEXT - 1)}…` : shown;
};

/** Names the event's data uses for one thing, in the order they are looked for. */
const first = (data: Record<string, unknown>, ...keys: string[]): string | null => {
  for (const key of keys) {
    const found = text(data[key]);
    if (found !== null) return found;
  }
  return null;
};

/** The line for one event's `data`; the table row also offers the whole `data` as JSON. */
export function EventSummary(props: { data: Record<string, unknown>; portalPath: (path: string) => string }) {
  const { data, portalPath } = props;
  const parts: Child[] = [];
  const subscription = first(data, "subscriptionId", "subscription");
  if (subscription) parts.push(<>Subscription <a href={portalPath(`/subscriptions/${encodeURIComponent(subscription)}`)}><code>{subscription}</code></a></>);
  const hook = first(data, "hook", "hookId");
  if (hook) parts.push(<>Hook <code>{hook}</code></>);
  const delivery = first(data, "deliveryId", "delivery");
  if (delivery) parts.push(<>delivery <a href={portalPath(`/deliveries/${encodeURIComponent(delivery)}`)}><code>{delivery}</code></a></>);
  const seq = first(data, "eventSeq", "seq");
  if (seq) parts.push(<>event {seq}</>);
  const stream = first(data, "stream");
  if (stream) parts.push(<>stream <code>{stream}</code></>);
  const reason = first(data, "reason");
  if (reason) parts.push(<>reason: {reason}</>);
  const attempts = first(data, "attempts");
  if (attempts) parts.push(<>{attempts} attempt(s)</>);
  const status = first(data, "lastStatus", "status", "statusCode");
  if (status) parts.push(<>last status {status}</>);
  const error = first(data, "lastError", "error");
  if (error) parts.push(<>error: {error}</>);
  const failures = first(data, "consecutiveFailures");
  if (failures) parts.push(<>{failures} failures in a row</>);
  const until = first(data, "openUntil");
  if (until) parts.push(<>open until {until}</>);
  if (parts.length === 0) return <code>{text(data) ?? "—"}</code>;
  return <>{parts.map((part, index) => (index === 0 ? part : <> · {part}</>))}</>;
}
