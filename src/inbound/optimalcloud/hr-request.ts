/**
 * Reads an HR webhook body the way its provisioning destination expects it (generic or Paylocity) and
 * reduces both to one shape: who the employee is, and the canonical user fields the request carries
 * (or, for a Paylocity event that names only ids, just the ids). Pure.
 */
import type { z } from "zod";
import type { ProvisioningType } from "../../db/schema";
import { validationError } from "../../http/validation";
import { hrBodySchemas } from "./canonical-user";
import { mapPaylocity } from "./paylocity";
import type { HrAction } from "./provisioning-destinations";

export interface HrRequest {
  employeeId: string;
  /** Canonical user fields, employee_id excluded; for modifyuser only those that change (null removes). */
  fields: Record<string, unknown>;
  /** Set when a Paylocity event carried only ids: the event is stored with them, and the response says so. */
  idsOnly: { eventType: string; missing: string[] } | null;
}

function fromResult(result: { success: true; data: Record<string, unknown> & { employee_id: string } } | { success: false; error: z.ZodError }): HrRequest {
  if (!result.success) throw validationError(result.error);
  const { employee_id, ...fields } = result.data;
  return { employeeId: employee_id, fields, idsOnly: null };
}

export function readHrRequest(type: ProvisioningType, action: HrAction, body: unknown): HrRequest {
  if (type === "generic") return fromResult(hrBodySchemas[action].safeParse(body));
  const mapped = mapPaylocity(body, action);
  if (!mapped.success) throw validationError(mapped.error);
  const { data } = mapped;
  const ids = { company_id: data.companyId, paylocity_event: data.eventType };
  if (data.kind === "ids-only") {
    return { employeeId: data.employeeId, fields: { ...ids }, idsOnly: { eventType: data.eventType, missing: data.missing } };
  }
  const { employee_id, ...fields } = data.user;
  return { employeeId: employee_id, fields: { ...fields, ...ids }, idsOnly: null };
}
