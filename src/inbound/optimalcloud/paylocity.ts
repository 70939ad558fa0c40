/**
 * Paylocity's HR webhooks (new hire, employee change, termination) and how each maps to the canonical user.
 * Paylocity posts each event type to its own URL, so the HR action of the URL says which payload arrived:
 * adduser = new hire, modifyuser = employee change, deleteuser = termination. Pure.
 * Field names and samples: docs/paylocity-mapping.md.
 */
import { z } from "zod";
import type { HrAction } from "./provisioning-destinations";
import {
  defaultDisplayName,
  employeeIdSchema,
  optionalText,
  type CanonicalUser,
  type CanonicalUserChanges,
  type UserRemoval,
} from "./canonical-user";

/** The Paylocity webhook that posts to each HR action URL. */
export const PAYLOCITY_EVENT_TYPES = {
  adduser: "new_hire",
  modifyuser: "employee_change",
  deleteuser: "termination",
} as const satisfies Record<HrAction, string>;
export type PaylocityEventType = (typeof PAYLOCITY_EVENT_TYPES)[HrAction];

/** Documented Paylocity payload field -> canonical user field. Fields not listed here are not carried over. */
export const PAYLOCITY_FIELD_MAP = {
  employeeId: "employee_id",
  employeeFirstName: "first_name",
  employeeLastName: "last_name",
  employeeWorkEMailAddress: "email",
  employeeMiddleInitial: "middle_initial",
  companyId: "company_id",
  companyName: "company_name",
  employeeJobTitle: "job_title",
  employeePosition: "position",
  employeeType: "employee_type",
  employeeHireDate: "hire_date",
  employeeTerminationDate: "termination_date",
  employeeSupervisor: "supervisor",
  employeeSupervisorId: "supervisor_employee_id",
  employeeWorkPhone: "work_phone",
  employeeBadgeClockNumber: "badge_number",
  employeeCostCenter1: "cost_center_1",
  employeeCostCenter2: "cost_center_2",
  employeeCostCenter3: "cost_center_3",
} as const;
export type PaylocityField = keyof typeof PAYLOCITY_FIELD_MAP;

/**
 * Documented new hire fields deliberately left out of the user: home address, demographics and pay are HR
 * data that provisioning targets do not need, and the gateway would otherwise fan them out to every subscriber.
 */
export const PAYLOCITY_UNMAPPED_FIELDS = [
  "employeeAddressLine1",
  "employeeAddressLine2",
  "employeeCity",
  "employeeState",
  "employeeZip",
  "employeeGender",
  "employeeMaritalStatus",
  "employeeEEOClass",
  "employeePayFrequency",
  "employeePayType",
  "employeeTaxForm",
] as const;

/** The fields a new hire needs, besides its ids, to become a whole canonical user. */
export const NEW_HIRE_USER_FIELDS = ["employeeFirstName", "employeeLastName", "employeeWorkEMailAddress"] as const;

const DOCUMENTED_FIELDS = new Map(
  [...Object.keys(PAYLOCITY_FIELD_MAP), ...PAYLOCITY_UNMAPPED_FIELDS].map((name) => [name.toLowerCase(), name]),
);

/**
 * Paylocity's own pages spell fields inconsistently ("companyid and employeeid", `employeeWorkEMailAddress`):
 * a key that matches a documented field but for case is renamed to the documented spelling, unless that
 * spelling is also present.
 */
export function withDocumentedKeyCasing(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const documented = DOCUMENTED_FIELDS.get(key.toLowerCase());
    const name = documented && !(documented in body) ? documented : key;
    renamed[name] = value;
  }
  return renamed;
}

/** Ids that the samples show as strings and some receivers read as numbers. */
const optionalId = z
  .union([z.string(), z.number()], { error: "must be a string or a number" })
  .nullable()
  .optional()
  .transform((id) => (id === null || id === undefined ? undefined : String(id).trim() || undefined));

/** A termination must never be refused for a detail: anything but a non-blank string or a number is dropped. */
const lenientText = z
  .unknown()
  .transform((value) => {
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    return typeof value === "string" && value.trim() ? value.trim() : undefined;
  })
  .optional();

const workEmail = optionalText.pipe(z.email("must be a valid email address").optional());

const ids = {
  companyId: employeeIdSchema,
  employeeId: employeeIdSchema,
};

const detailFields = {
  employeeFirstName: optionalText,
  employeeLastName: optionalText,
  employeeMiddleInitial: optionalText,
  employeeWorkEMailAddress: workEmail,
  companyName: optionalText,
  employeeJobTitle: optionalText,
  employeePosition: optionalText,
  employeeType: optionalText,
  employeeHireDate: optionalText,
  employeeTerminationDate: optionalText,
  employeeSupervisor: optionalText,
  employeeSupervisorId: optionalId,
  employeeWorkPhone: optionalText,
  employeeBadgeClockNumber: optionalId,
  employeeCostCenter1: optionalText,
  employeeCostCenter2: optionalText,
  employeeCostCenter3: optionalText,
} satisfies Record<Exclude<PaylocityField, keyof typeof ids>, z.ZodType>;

const lenientDetailFields = Object.fromEntries(Object.keys(detailFields).map((name) => [name, lenientText])) as {
  [K in keyof typeof detailFields]: typeof lenientText;
}; // same keys as detailFields, each lenient

const payloadSchema = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.preprocess(withDocumentedKeyCasing, z.looseObject({ ...ids, ...shape }));

/** New hire: ids plus the employee's details (names, work email, job, supervisor, cost centers, ...). */
export const paylocityNewHireSchema = payloadSchema(detailFields);
/** Employee change: Paylocity sends only `companyId` and `employeeId`; details, if any, are taken as changes. */
export const paylocityEmployeeChangeSchema = payloadSchema(detailFields);
/** Termination: ids, names, work email, termination date; only the ids can make it fail. */
export const paylocityTerminationSchema = payloadSchema(lenientDetailFields);

export const paylocityPayloadSchemas = {
  adduser: paylocityNewHireSchema,
  modifyuser: paylocityEmployeeChangeSchema,
  deleteuser: paylocityTerminationSchema,
} as const satisfies Record<HrAction, z.ZodType>;

type PaylocityPayload = { companyId: string; employeeId: string } & Partial<Record<PaylocityField, string>>;

/** Where a Paylocity event lands: a user for the record, or only the ids when the event carries nothing more. */
export type PaylocityMapping<User> =
  | {
      kind: "ids-only";
      eventType: PaylocityEventType;
      companyId: string;
      employeeId: string;
      /** Paylocity fields the action needed for a user and the event lacked (a new hire without a work email). */
      missing: string[];
    }
  | { kind: "user"; eventType: PaylocityEventType; companyId: string; employeeId: string; user: User };

export type PaylocityResult<User> = { success: true; data: PaylocityMapping<User> } | { success: false; error: z.ZodError };

/** The payload's fields renamed to canonical ones, plus display_name when both names are known. */
function canonicalFields(payload: PaylocityPayload): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [paylocity, canonical] of Object.entries(PAYLOCITY_FIELD_MAP)) {
    const value = payload[paylocity as PaylocityField]; // a key of PAYLOCITY_FIELD_MAP
    if (value !== undefined) fields[canonical] = value;
  }
  if (fields.first_name && fields.last_name) fields.display_name = defaultDisplayName(fields.first_name, fields.last_name);
  return fields;
}

/** True when the payload says something about the employee beyond which company and employee it is. */
const hasDetails = (payload: PaylocityPayload): boolean =>
  Object.keys(PAYLOCITY_FIELD_MAP).some(
    (name) => name !== "companyId" && name !== "employeeId" && payload[name as PaylocityField] !== undefined, // a key of PAYLOCITY_FIELD_MAP
  );

function toMapping(action: HrAction, payload: PaylocityPayload): PaylocityMapping<CanonicalUser | CanonicalUserChanges | UserRemoval> {
  const event = { eventType: PAYLOCITY_EVENT_TYPES[action], companyId: payload.companyId, employeeId: payload.employeeId };
  const idsOnly = (missing: string[]) => ({ kind: "ids-only" as const, ...event, missing });
  const fields = canonicalFields(payload);
  if (action === "adduser") {
    const missing = NEW_HIRE_USER_FIELDS.filter((name) => payload[name] === undefined);
    const { first_name, last_name, email, display_name } = fields;
    if (!first_name || !last_name || !email || !display_name) return idsOnly(missing);
    const user: CanonicalUser = { ...fields, employee_id: payload.employeeId, first_name, last_name, email, display_name };
    return { kind: "user", ...event, user };
  }
  if (!hasDetails(payload)) return idsOnly([]);
  return { kind: "user", ...event, user: { ...fields, employee_id: payload.employeeId } };
}

/**
 * Validates a Paylocity webhook body for the HR action of the URL it came to and maps it:
 * - a new hire with first name, last name and work email -> `user` (a whole `CanonicalUser`);
 * - an employee change or termination with any detail beyond the ids -> `user` (the changes / the removal);
 * - otherwise -> `ids-only`, so the route can store the event under those ids and say so.
 * Invalid bodies come back as a `ZodError` whose issue paths are Paylocity field names.
 */
export function mapPaylocity(body: unknown, action: "adduser"): PaylocityResult<CanonicalUser>;
export function mapPaylocity(body: unknown, action: "modifyuser"): PaylocityResult<CanonicalUserChanges>;
export function mapPaylocity(body: unknown, action: "deleteuser"): PaylocityResult<UserRemoval>;
export function mapPaylocity(
  body: unknown,
  action: HrAction,
): PaylocityResult<CanonicalUser | CanonicalUserChanges | UserRemoval>;
export function mapPaylocity(
  body: unknown,
  action: HrAction,
): PaylocityResult<CanonicalUser | CanonicalUserChanges | UserRemoval> {
  const parsed = paylocityPayloadSchemas[action].safeParse(body);
  if (!parsed.success) return { success: false, error: parsed.error };
  return { success: true, data: toMapping(action, parsed.data) };
}
