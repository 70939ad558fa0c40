/**
 * Seed 000 ServiceNow TICKETS webhook body: validation and normalisation, pure.
 * `impact`, `urgency`, `priority` and `state` arrive as labels ("high", "1 - High", "In Progress") or as
 * ServiceNow codes (2, "2"); each becomes one canonical lowercase value and the value as sent is kept in
 * `servicenow_raw`. `opened_at` (ISO-8601 or ServiceNow's UTC `yyyy-MM-dd HH:mm:ss`) becomes ISO-8601 UTC.
 * Every rejection is a zod issue whose path is the offending field.
 */
import { z } from "zod";

/** Each choice field's canonical values and the ServiceNow code of each (incident table defaults). */
export const SERVICENOW_CHOICES = {
  impact: { high: 1, medium: 2, low: 3 },
  urgency: { high: 1, medium: 2, low: 3 },
  priority: { critical: 1, high: 2, moderate: 3, low: 4, planning: 5 },
  state: { new: 1, in_progress: 2, on_hold: 3, resolved: 6, closed: 7, canceled: 8 },
} as const;

export type ChoiceField = keyof typeof SERVICENOW_CHOICES;
export type ChoiceValue<F extends ChoiceField> = keyof (typeof SERVICENOW_CHOICES)[F] & string;
export type Impact = ChoiceValue<"impact">;
export type Urgency = ChoiceValue<"urgency">;
export type Priority = ChoiceValue<"priority">;
export type IncidentState = ChoiceValue<"state">;

/**
 * Labels, besides each canonical value itself, that mean that value. Keys are written as `labelKey` leaves
 * them: lowercase, with runs of spaces, `_` and `-` turned into one space.
 */
const LABEL_ALIASES: { [F in ChoiceField]: Record<string, ChoiceValue<F>> } = {
  impact: { moderate: "medium" },
  urgency: { moderate: "medium" },
  priority: { medium: "moderate" },
  state: {
    open: "new",
    active: "in_progress",
    "work in progress": "in_progress",
    pending: "on_hold",
    cancelled: "canceled",
  },
};

/** The fields this module rewrites; the value each had on arrival is kept under `servicenow_raw`. */
export const NORMALISED_FIELDS = ["impact", "urgency", "priority", "state", "opened_at"] as const;
export type NormalisedField = (typeof NORMALISED_FIELDS)[number];

export interface ServiceNowTicket {
  requester_email: string;
  short_description: string;
  number?: string;
  sys_id?: string;
  reported_by_email?: string;
  description?: string;
  category?: string;
  subcategory?: string;
  /** ISO-8601 UTC with milliseconds, e.g. `2022-01-05T19:25:51.927Z`. */
  opened_at?: string;
  impact?: Impact;
  urgency?: Urgency;
  priority?: Priority;
  state?: IncidentState;
  /** The normalised fields as ServiceNow sent them; only those that were present. */
  servicenow_raw: Partial<Record<NormalisedField, string | number>>;
  /** Fields ServiceNow sent that are not listed above, unchanged. */
  [field: string]: unknown;
}

const labelKey = (label: string): string => label.trim().toLowerCase().replace(/[\s_-]+/g, " ");

function valueOfCode<F extends ChoiceField>(field: F, code: number): ChoiceValue<F> | null {
  const codes: Record<string, number> = SERVICENOW_CHOICES[field];
  const match = Object.entries(codes).find(([, known]) => known === code);
  return match ? (match[0] as ChoiceValue<F>) : null; // keys of SERVICENOW_CHOICES[field] are ChoiceValue<F>
}

function valueOfLabel<F extends ChoiceField>(field: F, label: string): ChoiceValue<F> | null {
  const key = labelKey(label);
  const canonical = (Object.keys(SERVICENOW_CHOICES[field]) as ChoiceValue<F>[]).find((value) => labelKey(value) === key);
  return canonical ?? LABEL_ALIASES[field][key] ?? null;
}

/**
 * A ServiceNow choice value as its canonical value, or null when it is not one: a code (2 or "2"), a label
 * in any case ("HIGH", "in-progress"), or a display value whose code and label agree ("1 - High").
 */
export function parseServiceNowChoice<F extends ChoiceField>(field: F, raw: string | number): ChoiceValue<F> | null {
  if (typeof raw === "number") return Number.isInteger(raw) ? valueOfCode(field, raw) : null;
  const text = raw.trim();
  if (/^\d+$/.test(text)) return valueOfCode(field, Number(text));
  const display = /^(\d+)\s*-\s*(\S.*)$/.exec(text);
  if (display) {
    const [, code = "", label = ""] = display;
    const byCode = valueOfCode(field, Number(code));
    return byCode !== null && byCode === valueOfLabel(field, label) ? byCode : null;
  }
  return valueOfLabel(field, text);
}

/** "unknown impact "urgent": expected high, medium, low or code 1, 2, 3". */
export function unknownChoiceMessage(field: ChoiceField, raw: string | number): string {
  const choices = SERVICENOW_CHOICES[field];
  return (
    `unknown ${field} ${JSON.stringify(raw)}: expected ${Object.keys(choices).join(", ")} ` +
    `or code ${Object.values(choices).join(", ")}`
  );
}

// yyyy-MM-dd, then T or space, HH:mm[:ss[.fraction]], then an optional Z or ±HH[[:]mm].
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Minutes east of UTC for `Z`, `+05:30`, `-0800`, `+02`; null when out of range. */
function offsetMinutes(offset: string): number | null {
  if (offset.toUpperCase() === "Z") return 0;
  const hours = Number(offset.slice(1, 3));
  const minutes = Number(offset.slice(3).replace(":", "") || "0");
  if (hours > 23 || minutes > 59) return null;
  return (offset.startsWith("-") ? -1 : 1) * (hours * 60 + minutes);
}

const num = (digits: string | undefined): number => Number(digits ?? "0");

/**
 * An ISO-8601 date-time (`2022-01-05T19:25:51.927013+00:00`) or ServiceNow's `2022-01-05 19:25:51` as
 * ISO-8601 UTC with milliseconds (`2022-01-05T19:25:51.927Z`); null when it is neither or not a real instant.
 * Without an offset the time is UTC, as ServiceNow's API sends it. Digits past milliseconds are truncated.
 */
export function parseServiceNowDateTime(raw: string): string | null {
  const match = DATE_TIME.exec(raw.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction = "", offset = "Z"] = match;
  const [y, mo, d, h, mi, s] = [num(year), num(month), num(day), num(hour), num(minute), num(second)];
  const east = offsetMinutes(offset);
  if (east === null || mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return null;
  const instant = new Date(0);
  instant.setUTCFullYear(y, mo - 1, d);
  if (instant.getUTCMonth() !== mo - 1 || instant.getUTCDate() !== d) return null; // 2022-02-30 rolls over
  instant.setUTCHours(h, mi, s, Number(fraction.slice(0, 3).padEnd(3, "0")));
  return new Date(instant.getTime() - east * 60_000).toISOString();
}

/** Absent, null and blank all mean "not sent"; the field is then left out of the ticket. */
const blankToUndefined = (value: string | null | undefined): string | undefined =>
  value === null || value === undefined || value === "" ? undefined : value;

const optionalText = z.string({ error: "must be a string" }).trim().nullable().optional().transform(blankToUndefined);

const requiredText = z
  .string({ error: (issue) => (issue.input === undefined || issue.input === null ? "is required" : "must be a string") })
  .trim()
  .min(1, "is required");

const emailMessage = "must be a valid email address";

/** A value as canonical plus as sent, until the ticket is assembled. */
interface Normalised<T> {
  value: T;
  raw: string | number;
}

const choiceField = <F extends ChoiceField>(field: F) =>
  z
    .union([z.string(), z.number()], { error: `must be a ${field} label or ServiceNow code` })
    .nullable()
    .optional()
    .transform((raw, ctx): Normalised<ChoiceValue<F>> | undefined => {
      if (raw === null || raw === undefined || (typeof raw === "string" && raw.trim() === "")) return undefined;
      const value = parseServiceNowChoice(field, raw);
      if (value === null) {
        ctx.addIssue({ code: "custom", message: unknownChoiceMessage(field, raw), input: raw });
        return z.NEVER;
      }
      return { value, raw };
    });

const openedAtField = z
  .string({ error: "must be a date-time string" })
  .nullable()
  .optional()
  .transform((raw, ctx): Normalised<string> | undefined => {
    if (raw === null || raw === undefined || raw.trim() === "") return undefined;
    const value = parseServiceNowDateTime(raw);
    if (value === null) {
      ctx.addIssue({
        code: "custom",
        message: "must be an ISO-8601 date-time or yyyy-MM-dd HH:mm:ss (UTC)",
        input: raw,
      });
      return z.NEVER;
    }
    return { value, raw };
  });

/**
 * The ServiceNow TICKETS body. Required: `requester_email` (an email) and `short_description` (not blank);
 * everything else optional, unknown fields kept. Parses to a `ServiceNowTicket`.
 */
export const serviceNowTicketSchema = z
  .looseObject({
    requester_email: requiredText.pipe(z.email(emailMessage)),
    short_description: requiredText,
    number: optionalText,
    sys_id: optionalText,
    reported_by_email: optionalText.pipe(z.email(emailMessage).optional()),
    description: optionalText,
    category: optionalText,
    subcategory: optionalText,
    opened_at: openedAtField,
    impact: choiceField("impact"),
    urgency: choiceField("urgency"),
    priority: choiceField("priority"),
    state: choiceField("state"),
  })
  .transform(({ opened_at, impact, urgency, priority, state, ...fields }): ServiceNowTicket => {
    const ticket: ServiceNowTicket = { ...withoutUndefined(fields), servicenow_raw: {} };
    const keep = <K extends NormalisedField>(name: K, field: Normalised<NonNullable<ServiceNowTicket[K]>> | undefined) => {
      if (field === undefined) return;
      ticket[name] = field.value;
      ticket.servicenow_raw[name] = field.raw;
    };
    keep("opened_at", opened_at);
    keep("impact", impact);
    keep("urgency", urgency);
    keep("priority", priority);
    keep("state", state);
    return ticket;
  });

function withoutUndefined<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T; // same keys, fewer
}

/**
 * The key that makes a repeated ServiceNow delivery of one incident idempotent: its `sys_id`, else its
 * `number`, else null (no key: every delivery creates a ticket).
 */
export function serviceNowIdempotencyKey(ticket: Pick<ServiceNowTicket, "sys_id" | "number">): string | null {
  return ticket.sys_id?.trim() || ticket.number?.trim() || null;
}
