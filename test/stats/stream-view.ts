/** A quiet stream as GET /api/v1/streams shows it, with the fields a test cares about overridden. */
import type { StreamView } from "../../src/delivery/delivery-view";

export const streamView = (overrides: Partial<StreamView>): StreamView => ({
  stream: "s",
  subscriptionId: "WBH000000000001",
  pending: 0,
  headEventSeq: null,
  headDeliveryId: null,
  headCreatedAt: null,
  nextAttemptAt: null,
  blocked: false,
  deadLetters: 0,
  droppedOverCap: 0,
  breaker: "closed",
  deliveredSeq: null,
  lag: 0,
  rateLimitPerSecond: null,
  throttled: false,
  ...overrides,
});
