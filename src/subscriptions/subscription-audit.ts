/**
 * What the audit log records of a subscription save: every setting (create) or the settings that changed
 * (update), and each callback or signing secret that was set only as "changed". Pure.
 */
import type { Subscription } from "../db/schema";
import { CHANGED, fieldChanges } from "../audit/changes";
import type { CallbackSecrets } from "./callback-secrets";
import type { SubscriptionSettings } from "./subscription-settings";

const withoutSecrets = ({ callbackSecrets: _secrets, ...settings }: SubscriptionSettings) => settings;

/** Each callback secret that differs between what was sealed before and what is sealed now, as "changed". */
function secretChanges(before: CallbackSecrets, after: CallbackSecrets): Record<string, string> {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])] as (keyof CallbackSecrets)[];
  return Object.fromEntries(names.filter((name) => before[name] !== after[name]).map((name) => [name, CHANGED]));
}

/** A new subscription: its settings, its callback secret and its first signing secret. */
export const createdChanges = (settings: SubscriptionSettings, sealed: CallbackSecrets): Record<string, unknown> => ({
  ...withoutSecrets(settings),
  ...secretChanges({}, sealed),
  signingSecret: CHANGED,
});

/** A replaced subscription: what differs from the stored row; saving again also clears a 410 disable. */
export const updatedChanges = (existing: Subscription, settings: SubscriptionSettings, stored: CallbackSecrets, sealed: CallbackSecrets): Record<string, unknown> => ({
  ...fieldChanges(existing, withoutSecrets(settings)),
  ...(existing.disabledReason === null ? {} : { disabledReason: null }),
  ...secretChanges(stored, sealed),
});
