/** Whether a subscription holds its deliveries: disabled by its tenant, or by the engine (a 410 Gone, callbacks failing for too long). */
import type { Subscription } from "../db/schema";

/** A held subscription keeps its deliveries until it is enabled or saved again. */
export const holds = (subscription: Subscription | undefined): boolean => subscription !== undefined && (!subscription.enabled || subscription.disabledReason !== null);
