/**
 * What a subscription is, in Hookgate terms: the settings a client saves (which events of which form, the
 * condition, the callback and its authentication, payload and delivery options). A protocol face parses its
 * own body and maps it to these settings; the store writes them.
 */
import { z } from "zod";
import type { CallbackAuthSettings, CallbackAuthType, DeadLetterPolicy, EntryEvent, Ordering, PayloadFormat } from "../db/schema";
import type { CallbackSecrets } from "./callback-secrets";

const SECOND = 1_000;
const HOUR = 60 * 60 * SECOND;

/** Bounds on a subscription's own retry schedule, so one subscription cannot keep a delivery alive for months. */
const MAX_ATTEMPTS_LIMIT = 50;
const MAX_RETRY_DELAY_MS = 24 * HOUR;
export const MAX_TIMEOUT_MS = 30 * SECOND;

/** Bounds of a subscription's rate limit, callbacks a second. */
export const MAX_RATE_LIMIT_PER_SECOND = 1000;
/** A rate limit in callbacks a second, as the webhook and the lifecycle hooks both accept it. */
export const rateLimitPerSecond = () =>
  z.int("must be a whole number").min(1, "must be at least 1").max(MAX_RATE_LIMIT_PER_SECOND, `must be at most ${MAX_RATE_LIMIT_PER_SECOND}`);
/** Continuously failing callbacks disable a subscription after this many hours (5 days) unless it says otherwise. */
export const DEFAULT_DISABLE_AFTER_FAILING_HOURS = 120;
/** The longest a subscription may ask to keep failing before it is disabled: a year. */
export const MAX_DISABLE_AFTER_FAILING_HOURS = 8760;

/** A subscription's override of the default retry policy, as stored and as accepted by the API. Every field is optional. */
export const retryPolicyOverrideSchema = z
  .object({
    retryDelaysMs: z.array(z.int().min(0).max(MAX_RETRY_DELAY_MS)).min(1).max(MAX_ATTEMPTS_LIMIT).optional(),
    maxAttempts: z.int().min(1).max(MAX_ATTEMPTS_LIMIT).optional(),
    timeoutMs: z.int().min(1).max(MAX_TIMEOUT_MS).optional(),
  })
  .strict();
export type RetryPolicyOverride = z.infer<typeof retryPolicyOverrideSchema>;

export interface SubscriptionSettings {
  description: string | null;
  formName: string;
  /** A qualification (subscriptions/qualification), already checked; "" matches every event. */
  condition: string;
  /** Without repeats. */
  entryEvents: EntryEvent[];
  payloadFields: string[];
  enabled: boolean;
  sendUnchangedFields: boolean;
  sendAttachmentAsReference: boolean;
  customJson: Record<string, unknown> | null;
  callbackUrl: string;
  authType: CallbackAuthType;
  /** The non-secret part of the callback's authentication. */
  authSettings: CallbackAuthSettings;
  /** The callback's secrets as sent; only the one of `authType` is kept (see callback-secrets.ts). */
  callbackSecrets: CallbackSecrets;
  format: PayloadFormat;
  ordering: Ordering;
  retryPolicy: RetryPolicyOverride | null;
  deadLetterPolicy: DeadLetterPolicy;
  /** A Jinja template (already checked to parse) rendering the body sent instead of the payload; null = none. */
  transformation: string | null;
  /** At most this many callbacks a second (1–1000); null = unlimited. */
  rateLimitPerSecond: number | null;
  /** Hours of continuously failing callbacks after which the engine disables it (0 = never); null = the default. */
  disableAfterFailingHours: number | null;
}

/** The delivery options Hookgate adds to a subscription (AR's body has no such fields). */
export type DeliveryOptions = Pick<
  SubscriptionSettings,
  "format" | "ordering" | "retryPolicy" | "deadLetterPolicy" | "transformation" | "rateLimitPerSecond" | "disableAfterFailingHours"
>;

/** What a new subscription gets for each delivery option its body leaves out. */
export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  format: "ar",
  ordering: "subscription",
  retryPolicy: null,
  deadLetterPolicy: "skip",
  transformation: null,
  rateLimitPerSecond: null,
  disableAfterFailingHours: null,
};

/**
 * Settings as a client sends them: a delivery option it left out is `undefined`, and takes its default on
 * create or keeps its stored value on update. `retryPolicy`, `transformation`, `rateLimitPerSecond` and `disableAfterFailingHours` sent as null are not left out: they clear the stored value.
 */
export type SubscriptionSave = Omit<SubscriptionSettings, keyof DeliveryOptions> & Partial<DeliveryOptions>;

/** The settings of `save`, each delivery option it left out taken from `base`. */
export function withDeliveryOptions(save: SubscriptionSave, base: DeliveryOptions): SubscriptionSettings {
  return {
    ...save,
    format: save.format ?? base.format,
    ordering: save.ordering ?? base.ordering,
    retryPolicy: save.retryPolicy === undefined ? base.retryPolicy : save.retryPolicy,
    deadLetterPolicy: save.deadLetterPolicy ?? base.deadLetterPolicy,
    transformation: save.transformation === undefined ? base.transformation : save.transformation,
    rateLimitPerSecond: save.rateLimitPerSecond === undefined ? base.rateLimitPerSecond : save.rateLimitPerSecond,
    disableAfterFailingHours: save.disableAfterFailingHours === undefined ? base.disableAfterFailingHours : save.disableAfterFailingHours,
  };
}
