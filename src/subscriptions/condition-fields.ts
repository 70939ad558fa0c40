/**
 * Registration-time check of a subscription against its form's definition: every field its `condition` names
 * and every payload field must exist on the form (by id or by name) when the form is defined. A form without a
 * definition takes any field, as before. The condition itself was already parsed by the registration schema.
 */
import type { Database } from "../db/client";
import { AppError, type ErrorDetail } from "../runtime/errors";
import { findFormDefinition } from "../records/form-definitions";
import { findField, type FormDefinition } from "../records/form-fields";
import { parseQualification, referencedFields } from "./qualification";

/** One detail per field the condition or the payload fields name that the definition lacks. Pure. */
export function undefinedFields(definition: FormDefinition, condition: string, payloadFields: readonly string[]): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const parsed = parseQualification(condition);
  const named = parsed.ok ? referencedFields(parsed.ast) : [];
  for (const name of new Set(named)) {
    if (!findField(definition, name)) details.push({ path: "condition", message: `names the field '${name}', which the form does not define` });
  }
  payloadFields.forEach((reference, index) => {
    if (!findField(definition, reference)) details.push({ path: `payload_fields.${index}`, message: `'${reference}' is not a field of the form` });
  });
  return details;
}

/** Throws 400 VALIDATION_FAILED when the subscription names fields its (defined) form lacks. */
export async function requireDefinedFields(
  db: Database,
  tenantId: string,
  subscription: { formName: string; condition: string; payloadFields: readonly string[] },
): Promise<void> {
  const defined = await findFormDefinition(db, tenantId, subscription.formName);
  if (!defined) return;
  const details = undefinedFields(defined.fields, subscription.condition, subscription.payloadFields);
  if (details.length > 0) throw new AppError("VALIDATION_FAILED", `The webhook names fields form '${defined.name}' does not define`, details);
}
