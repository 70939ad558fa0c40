/**
 * Deliveries that cannot be sent: fan-out rendered nothing sendable (a subscription's transformation failed on
 * the event). The delivery is stored all the same, with the reason as its body under a content type of its own,
 * so the engine makes a failed attempt logging the reason instead of skipping the event silently. The attempt is
 * final (the delivery is dead-lettered at once, its stream following the dead-letter policy): the body was
 * rendered at fan-out, so no retry could change it, and neither can a replay (it resends what fan-out stored).
 * Fix the template: the events after the fix render with it. Pure.
 */

const UNSENDABLE_CONTENT_TYPE = "application/vnd.hookgate.unsendable+json";

/** What fan-out stores for a delivery it could not render. */
export function planUnsendableBody(reason: string): { body: string; contentType: string } {
  return { body: JSON.stringify({ unsendable: reason }), contentType: UNSENDABLE_CONTENT_TYPE };
}

/** Why a stored delivery cannot be sent, or null when it can. */
export function unsendableReason(delivery: { body: string; content_type: string }): string | null {
  if (delivery.content_type !== UNSENDABLE_CONTENT_TYPE) return null;
  try {
    const { unsendable } = JSON.parse(delivery.body) as { unsendable?: unknown };
    return typeof unsendable === "string" ? unsendable : "The delivery could not be rendered";
  } catch {
    return "The delivery could not be rendered";
  }
}
