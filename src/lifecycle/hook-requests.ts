/**
 * The twelve Cymmetri lifecycle hook requests of seed 001, built exactly as the seed shows them:
 * `POST {baseUrl}/{hook}` with `Authorization: Bearer <token>` and `Content-Type: application/json`, body
 * `{"request":{...,"user":{...}}}` (the `test` hook sends `{}`), and the canonical user record mapped to the
 * seed's field names and back. Pure: no bindings, no I/O.
 */
import type { LifecycleHookName } from "../db/schema/lifecycle-hooks";
import type { PolicyMapFields } from "../db/schema/provisionings";

/** A user as stored on the `User` form: the canonical HR fields (first_name, last_name, email, ...) and any others. */
export type UserFields = Record<string, unknown>;

/** The user object of the seed's envelopes (firstName, lastName, login, ...). */
export type CymmetriUser = Record<string, unknown>;

/**
 * Canonical field -> seed field, in the seed's key order; then the canonical fields the seed does not show.
 * The first three are always sent (the seed always shows them, empty); `login` falls back to the email and
 * `userType` to "Employee" (HR sources provision employees).
 */
const FIELD_MAP: readonly (readonly [canonical: string, cymmetri: string])[] = [
  ["assigned_groups", "assignedGroups"],
  ["provisioned_apps", "provisionedApps"],
  ["security_question", "securityQuestion"],
  ["country", "country"],
  ["first_name", "firstName"],
  ["last_name", "lastName"],
  ["login", "login"],
  ["user_type", "userType"],
  ["email", "email"],
  ["mobile", "mobile"],
  ["display_name", "displayName"],
  ["employee_id", "employeeId"],
];

const DEFAULTS: Readonly<Record<string, (user: UserFields) => unknown>> = {
  assignedGroups: () => [],
  provisionedApps: () => ({}),
  securityQuestion: () => ({}),
  login: (user) => user.email,
  userType: () => "Employee",
};

const TO_CYMMETRI = new Map(FIELD_MAP.map(([canonical, cymmetri]) => [canonical, cymmetri]));
const TO_CANONICAL = new Map(FIELD_MAP.map(([canonical, cymmetri]) => [cymmetri, canonical]));

/** Secrets never ride in a user object; changePassword sends its password as `passwordText`, beside it. */
const isSecretField = (name: string): boolean => /password|secret/i.test(name);

const present = (value: unknown): boolean => value !== undefined && value !== null;

/**
 * The seed's user object for a canonical user: mapped fields under the seed's names (in the seed's order),
 * then any other field under its own name. Absent fields are left out; secrets are dropped.
 */
export function toCymmetriUser(user: UserFields): CymmetriUser {
  const mapped: CymmetriUser = {};
  for (const [canonical, cymmetri] of FIELD_MAP) {
    const value = present(user[canonical]) ? user[canonical] : DEFAULTS[cymmetri]?.(user);
    if (present(value)) mapped[cymmetri] = value;
  }
  for (const [name, value] of Object.entries(user)) {
    if (TO_CYMMETRI.has(name) || TO_CANONICAL.has(name) || isSecretField(name) || !present(value)) continue;
    mapped[name] = value;
  }
  return mapped;
}

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies a tenant's answer to the user: each field of `returned` that differs from what was `sent` is
 * written back under its canonical name (null removes it); fields the tenant left out stay as they were.
 */
export function fromCymmetriUser(original: UserFields, sent: CymmetriUser, returned: CymmetriUser): UserFields {
  const user: UserFields = { ...original };
  for (const [name, value] of Object.entries(returned)) {
    if (isSecretField(name) || sameValue(value, sent[name])) continue;
    const canonical = TO_CANONICAL.get(name) ?? name;
    if (value === null) delete user[canonical];
    else user[canonical] = value;
  }
  return user;
}

/** Where pre-/postProvision say the provisioning happens (seed: policyMap, form, applicationId, roleList, action). */
export interface ProvisionContext {
  policyMap: string;
  form: string;
  applicationId: string;
  roleList: unknown[];
  action: string;
}

export type UserHookName = Exclude<LifecycleHookName, "test" | "changePassword" | "preProvision" | "postProvision" | "policyMap">;

/** One hook call and what its body needs. */
export type HookCall =
  | { hook: "test" }
  | { hook: UserHookName; user: UserFields }
  | { hook: "changePassword"; user: UserFields; passwordText: string }
  | { hook: "preProvision"; user: UserFields; provision: ProvisionContext }
  | { hook: "postProvision"; user: UserFields; provision: ProvisionContext; isSuccess: boolean; uid: string }
  | { hook: "policyMap"; user: UserFields; policy: PolicyMapFields };

/** The JSON body of a hook call, keys in the seed's order. */
export function hookBody(call: HookCall): Record<string, unknown> {
  if (call.hook === "test") return {};
  const user = toCymmetriUser(call.user);
  switch (call.hook) {
    case "changePassword":
      return { request: { user, passwordText: call.passwordText } };
    case "preProvision":
      return { request: { ...provisionFields(call.provision), user } };
    case "postProvision":
      return { request: { ...provisionFields(call.provision), user, isSuccess: call.isSuccess, uid: call.uid } };
    case "policyMap": {
      const { targetAttribute, cymmetrifield, defaultValue, formVeriable } = call.policy;
      return { request: { targetAttribute, cymmetrifield, defaultValue, formVeriable, user } };
    }
    default:
      return { request: { user } };
  }
}

const provisionFields = ({ policyMap, form, applicationId, roleList, action }: ProvisionContext) => ({ policyMap, form, applicationId, roleList, action });

/** `{baseUrl}/{hook}`; a trailing slash on the base is not doubled. */
export const hookUrl = (baseUrl: string, hook: LifecycleHookName): string => `${baseUrl.replace(/\/+$/, "")}/${hook}`;

export const hookHeaders = (token: string): Record<string, string> => ({
  authorization: `Bearer ${token}`,
  "content-type": "application/json",
});

export interface HookRequest {
  hook: LifecycleHookName;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The whole request of a hook call, ready to send. */
export function buildHookRequest(target: { baseUrl: string; token: string }, call: HookCall): HookRequest {
  return { hook: call.hook, url: hookUrl(target.baseUrl, call.hook), headers: hookHeaders(target.token), body: JSON.stringify(hookBody(call)) };
}
