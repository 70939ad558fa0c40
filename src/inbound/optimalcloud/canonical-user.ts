/**
 * The canonical user every HR source maps to (the generic HR webhook, Paylocity, ...), and the zod schemas
 * of the seed 000 generic HR webhook bodies: adduser (a whole user), modifyuser (employee_id and the fields
 * that change) and deleteuser (employee_id). Pure; unknown fields are kept as sent.
 */
import { z } from "zod";
import type { HrAction } from "./provisioning-destinations";

/** A user as every HR source delivers it to the `User` form. */
export interface CanonicalUser {
  /** The HR system's id; the user's external key within one provisioning destination. Always a string. */
  employee_id: string;
  first_name: string;
  last_name: string;
  email: string;
  mobile?: string;
  /** As sent, else `first_name last_name`. */
  display_name: string;
  [field: string]: unknown;
}

/** A modifyuser: the user's id and only the fields that change; `mobile: null` removes the mobile. */
export interface CanonicalUserChanges {
  employee_id: string;
  first_name?: string;
  last_name?: string;
  email?: string;
  mobile?: string | null;
  display_name?: string;
  [field: string]: unknown;
}

/** A deleteuser: the id of the user to remove; any other fields ride along unchecked. */
export interface UserRemoval {
  employee_id: string;
  [field: string]: unknown;
}

export const defaultDisplayName = (firstName: string, lastName: string): string => `${firstName} ${lastName}`;

const isMissing = (input: unknown): boolean => input === undefined || input === null;

/**
 * `employee_id` as a string: HR systems send "1111" or 1111. Blank strings and numbers that are not whole
 * and non-negative are rejected.
 */
export const employeeIdSchema = z
  .union([z.string(), z.number()], {
    error: (issue) => (isMissing(issue.input) ? "is required" : "must be a string or a whole number"),
  })
  .transform((id, ctx) => {
    if (typeof id === "number" && !(Number.isSafeInteger(id) && id >= 0)) {
      ctx.addIssue({ code: "custom", message: "must be a string or a whole number", input: id });
      return z.NEVER;
    }
    const text = String(id).trim();
    if (text === "") {
      ctx.addIssue({ code: "custom", message: "is required", input: id });
      return z.NEVER;
    }
    return text;
  });

const requiredText = z
  .string({ error: (issue) => (isMissing(issue.input) ? "is required" : "must be a string") })
  .trim()
  .min(1, "is required");

/** In a modifyuser a name may be left out, but not sent blank: a user always has one. */
const changedText = z
  .string({ error: (issue) => (issue.input === null ? "cannot be removed" : "must be a string") })
  .trim()
  .min(1, "must not be blank")
  .optional();

const emailMessage = "must be a valid email address";

/** Optional text where null and blank mean "not sent" (Paylocity, too, may send null for any field). */
export const optionalText = z
  .string({ error: "must be a string" })
  .trim()
  .nullable()
  .optional()
  .transform((text) => text || undefined);

/** The generic HR adduser body; parses to a `CanonicalUser` with `display_name` filled in. */
export const addUserBodySchema = z
  .looseObject({
    employee_id: employeeIdSchema,
    first_name: requiredText,
    last_name: requiredText,
    email: requiredText.pipe(z.email(emailMessage)),
    mobile: optionalText,
    display_name: optionalText,
  })
  .transform(({ mobile, display_name, ...user }): CanonicalUser => ({
    ...user,
    ...(mobile === undefined ? {} : { mobile }),
    display_name: display_name ?? defaultDisplayName(user.first_name, user.last_name),
  }));

/**
 * The generic HR modifyuser body: `employee_id` and any subset of the other fields. Fields left out stay as
 * they are; `mobile` null or blank removes the mobile; names, email and display_name cannot be blanked.
 */
export const modifyUserBodySchema = z
  .looseObject({
    employee_id: employeeIdSchema,
    first_name: changedText,
    last_name: changedText,
    email: changedText.pipe(z.email(emailMessage).optional()),
    mobile: z
      .string({ error: "must be a string" })
      .trim()
      .nullable()
      .optional()
      .transform((mobile) => (mobile === "" ? null : mobile)),
    display_name: changedText,
  })
  .transform((changes): CanonicalUserChanges => withoutUndefined(changes));

/** The generic HR deleteuser body: only `employee_id` is checked, so a removal is never refused for the rest. */
export const deleteUserBodySchema = z
  .looseObject({ employee_id: employeeIdSchema })
  .transform((removal): UserRemoval => removal);

/** The body schema of each HR webhook URL of a generic provisioning destination. */
export const hrBodySchemas = {
  adduser: addUserBodySchema,
  modifyuser: modifyUserBodySchema,
  deleteuser: deleteUserBodySchema,
} as const satisfies Record<HrAction, z.ZodType>;

function withoutUndefined<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T; // same type, fewer keys
}
