/**
 * A form's definition (issue 18): its fields, each with an AR field id, a name, a type and, for a selection, its
 * options (label by index). The zod schema that validates a definition before it is stored, and the lookups every
 * user of a definition shares: a field by id ("7") or by name ignoring case. Pure.
 */
import { z } from "@hono/zod-openapi";
import { formFieldTypes, type FormField } from "../db/schema";

export type { FormField };
export { formFieldTypes };

/** A form's fields, in the order they were defined. */
export type FormDefinition = readonly FormField[];

/** How many fields one definition may hold: AR forms rarely pass a few hundred. */
export const MAX_FORM_FIELDS = 1000;
/** How many options one selection field may hold. */
export const MAX_SELECTION_OPTIONS = 1000;

const optionKey = /^(0|[1-9]\d{0,9})$/;

const fieldSchema = z
  .object({
    id: z.number().int("must be an integer").min(1, "must be a positive integer").max(2_147_483_647, "must fit in 32 bits"),
    name: z.string().trim().min(1, "must not be empty").max(254, "must be at most 254 characters"),
    type: z.enum(formFieldTypes, { error: `must be one of ${formFieldTypes.join(", ")}` }),
    options: z.record(z.string(), z.string().min(1, "must not be empty").max(254), { error: "must be an object of labels by index" }).optional(),
  })
  .strict()
  .superRefine((field, ctx) => {
    if (field.type !== "selection") {
      if (field.options !== undefined) ctx.addIssue({ code: "custom", path: ["options"], message: "is only allowed on selection fields" });
      return;
    }
    const options = Object.entries(field.options ?? {});
    if (options.length === 0) ctx.addIssue({ code: "custom", path: ["options"], message: "needs at least one option on a selection field" });
    if (options.length > MAX_SELECTION_OPTIONS) ctx.addIssue({ code: "custom", path: ["options"], message: `must hold at most ${MAX_SELECTION_OPTIONS} options` });
    const labels = new Set<string>();
    for (const [key, label] of options) {
      if (!optionKey.test(key)) ctx.addIssue({ code: "custom", path: ["options", key], message: "must be a non-negative integer index" });
      if (labels.has(label)) ctx.addIssue({ code: "custom", path: ["options", key], message: `repeats the label '${label}'` });
      labels.add(label);
    }
  });

export const formDefinitionBody = z
  .object({
    fields: z.array(fieldSchema, { error: "must be an array of fields" }).max(MAX_FORM_FIELDS, `must hold at most ${MAX_FORM_FIELDS} fields`),
  })
  .strict()
  .superRefine((body, ctx) => {
    const ids = new Map<number, number>();
    const names = new Map<string, number>();
    body.fields.forEach((field, index) => {
      const sameId = ids.get(field.id);
      if (sameId !== undefined) ctx.addIssue({ code: "custom", path: ["fields", index, "id"], message: `repeats the id of fields.${sameId}` });
      else ids.set(field.id, index);
      const key = field.name.toLowerCase();
      const sameName = names.get(key);
      if (sameName !== undefined) ctx.addIssue({ code: "custom", path: ["fields", index, "name"], message: `repeats the name of fields.${sameName} (names are unique ignoring case)` });
      else names.set(key, index);
    });
  })
  .openapi("FormDefinition", {
    example: {
      fields: [
        { id: 7, name: "Status", type: "selection", options: { "0": "New", "1": "Assigned", "2": "In Progress", "3": "Pending", "4": "Resolved", "5": "Closed" } },
        { id: 1000000000, name: "Description", type: "character" },
        { id: 1000000351, name: "Attachment1", type: "attachment" },
      ],
    },
  });

export type FormDefinitionBody = z.infer<typeof formDefinitionBody>;

/** A definition as stored: options only on selections, in the order given. */
export const toStoredFields = (body: FormDefinitionBody): FormField[] =>
  body.fields.map((field) => (field.type === "selection" ? { id: field.id, name: field.name, type: field.type, options: field.options ?? {} } : { id: field.id, name: field.name, type: field.type }));

/** The field `reference` names: by id when it is all digits and such an id exists, else by name ignoring case. */
export function findField(definition: FormDefinition, reference: string): FormField | undefined {
  if (/^\d+$/.test(reference)) {
    const id = Number(reference);
    const byId = definition.find((field) => field.id === id);
    if (byId) return byId;
  }
  const exact = definition.find((field) => field.name === reference);
  if (exact) return exact;
  const key = reference.toLowerCase();
  return definition.find((field) => field.name.toLowerCase() === key);
}

/** A selection's index for `value`: the index itself (number or numeric string) or its label; undefined when neither. */
export function selectionIndex(field: FormField, value: unknown): number | undefined {
  const options = field.options ?? {};
  if (typeof value === "number") return Number.isInteger(value) && Object.hasOwn(options, String(value)) ? value : undefined;
  if (typeof value !== "string") return undefined;
  if (/^\d+$/.test(value.trim()) && Object.hasOwn(options, String(Number(value.trim())))) return Number(value.trim());
  const match = Object.entries(options).find(([, label]) => label === value) ?? Object.entries(options).find(([, label]) => label.toLowerCase() === value.toLowerCase());
  return match ? Number(match[0]) : undefined;
}
