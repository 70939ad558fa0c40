/**
 * The data of the user events (records' `password`, `provision`, `provision_result`): what each carries for
 * the hooks it fires, built when it is committed and read back at fan-out. Never a secret: a password change
 * carries the reference of the sealed password (or null when no hook was to receive it). Pure.
 */
import type { PolicyMapFields } from "../db/schema";
import type { ProvisionContext, UserFields } from "./hook-requests";

export type PasswordEventData = {
  user: UserFields;
  /** The sealed password's reference (secrets/secret-store.ts); null when changePassword was not enabled. */
  passwordRef: string | null;
};

export type ProvisionEventData = {
  provisioningId: string;
  user: UserFields;
  provision: ProvisionContext;
  policyMap: PolicyMapFields;
  mappedValue: unknown;
};

export type ProvisionResultEventData = {
  provisioningId: string;
  user: UserFields;
  provision: ProvisionContext;
  isSuccess: boolean;
  uid: string;
};

/** The action pre-/postProvision name (seed: "Application Create") for a provisioning's `add` or `remove`. */
export const PROVISION_ACTION = { add: "Application Create", remove: "Application Remove" } as const;
