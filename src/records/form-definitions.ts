/**
 * Form definitions in the `forms` table (form-names.ts owns the names; this file the `fields` column beside them):
 * save one (one UPSERT, so two racing saves leave one of them whole, never a mix), read one, and read all of a
 * tenant's for the delivery engine. Reads are cached per isolate for LOOKUP_CACHE_TTL_MS; a save in this isolate
 * forgets its entry at once, other isolates see it when theirs expires.
 */
import { and, eq, isNotNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { forms } from "../db/schema";
import { LOOKUP_CACHE_TTL_MS, TtlCache } from "../http/ttl-cache";
import { formNameKey } from "./record-ids";
import { findField, type FormDefinition, type FormField } from "./form-fields";
import { normalizeEntryValues, normalizeUploadFields } from "./form-values";
import type { Upload } from "./attachments";
import type { ChangeIntent } from "./commit-change";
import { AppError } from "../runtime/errors";

export interface DefinedForm {
  /** The form's name as first written. */
  name: string;
  fields: FormDefinition;
  updatedAt: number;
}

const cachedByDatabase = new WeakMap<Database, TtlCache<string, DefinedForm | null>>();

function cached(db: Database): TtlCache<string, DefinedForm | null> {
  let cache = cachedByDatabase.get(db);
  if (!cache) {
    cache = new TtlCache<string, DefinedForm | null>(LOOKUP_CACHE_TTL_MS, 10_000);
    cachedByDatabase.set(db, cache);
  }
  return cache;
}

const cacheKey = (tenantId: string, form: string) => `${tenantId}\u0000${formNameKey(form)}`;

/**
 * Stores the form's definition, registering the form's name if it is new (the first spelling wins, as for
 * records). Returns what is stored now, read back in the same batch.
 */
export async function saveFormDefinition(db: Database, tenantId: string, form: string, fields: FormField[], now = Date.now()): Promise<DefinedForm> {
  const nameKey = formNameKey(form);
  const [, rows] = await db.batch([
    db
      .insert(forms)
      .values({ tenantId, nameKey, name: form, createdAt: now, fields, fieldsUpdatedAt: now })
      .onConflictDoUpdate({ target: [forms.tenantId, forms.nameKey], set: { fields, fieldsUpdatedAt: now } }),
    db
      .select({ name: forms.name, fields: forms.fields, updatedAt: forms.fieldsUpdatedAt })
      .from(forms)
      .where(and(eq(forms.tenantId, tenantId), eq(forms.nameKey, nameKey))),
  ]);
  cached(db).delete(cacheKey(tenantId, form));
  const row = rows[0]!;
  return { name: row.name, fields: row.fields ?? fields, updatedAt: row.updatedAt ?? now };
}

/** Makes the form schemaless again (its name stays registered). False when it had no definition. */
export async function deleteFormDefinition(db: Database, tenantId: string, form: string): Promise<boolean> {
  const cleared = await db
    .update(forms)
    .set({ fields: null, fieldsUpdatedAt: Date.now() })
    .where(and(eq(forms.tenantId, tenantId), eq(forms.nameKey, formNameKey(form)), isNotNull(forms.fields)))
    .returning({ nameKey: forms.nameKey });
  cached(db).delete(cacheKey(tenantId, form));
  return cleared.length > 0;
}

/** The form's definition, or null when the form is undefined (schemaless or never written). */
export async function findFormDefinition(db: Database, tenantId: string, form: string): Promise<DefinedForm | null> {
  const key = cacheKey(tenantId, form);
  const hit = cached(db).get(key);
  if (hit !== undefined) return hit;
  const row = await db
    .select({ name: forms.name, fields: forms.fields, updatedAt: forms.fieldsUpdatedAt })
    .from(forms)
    .where(and(eq(forms.tenantId, tenantId), eq(forms.nameKey, formNameKey(form))))
    .get();
  const found = row?.fields ? { name: row.name, fields: row.fields, updatedAt: row.updatedAt ?? 0 } : null;
  cached(db).set(key, found);
  return found;
}

/** Every defined form of the tenant by name key (formNameKey), uncached: the delivery engine keeps its own copy per fan-out. */
export async function listFormDefinitions(db: Database, tenantId: string): Promise<Map<string, FormDefinition>> {
  const rows = await db
    .select({ nameKey: forms.nameKey, fields: forms.fields })
    .from(forms)
    .where(and(eq(forms.tenantId, tenantId), isNotNull(forms.fields)))
    .all();
  return new Map(rows.map((row) => [row.nameKey, row.fields ?? []]));
}

/**
 * An entry change checked against its form's definition (form-values.ts): fields named by id are renamed, selection
 * labels become indexes, and each file of a multipart write must go to an attachment field (renamed likewise). A
 * form without a definition takes the change as it is; a value that does not fit is 400 VALIDATION_FAILED, one
 * detail per field, and nothing is written.
 */
export async function checkedEntry(
  db: Database,
  tenantId: string,
  form: string,
  intent: ChangeIntent,
  uploads: readonly Upload[] = [],
): Promise<{ intent: ChangeIntent; uploads: readonly Upload[] }> {
  if (intent.kind === "delete") return { intent, uploads };
  const defined = await findFormDefinition(db, tenantId, form);
  if (!defined) return { intent, uploads };
  const values = normalizeEntryValues(defined.fields, intent.kind === "create" ? intent.data : intent.patch);
  const files = normalizeUploadFields(defined.fields, uploads.map((upload) => upload.field));
  const details = [...(values.ok ? [] : values.details), ...(files.ok ? [] : files.details)];
  if (!values.ok || !files.ok) {
    const fields = details.map((detail) => detail.path).join(", ");
    throw new AppError("VALIDATION_FAILED", `Value does not fall within the limits specified for the field: ${fields}`, details);
  }
  const renamed = uploads.map((upload, index) => ({ ...upload, field: files.fields[index]! }));
  return { intent: intent.kind === "create" ? { ...intent, data: values.values } : { ...intent, patch: values.values }, uploads: renamed };
}

/** The name a field reference (an id or a name, any case) stands for on a defined form; the reference itself otherwise. */
export async function fieldNameOn(db: Database, tenantId: string, form: string, reference: string): Promise<string> {
  const defined = await findFormDefinition(db, tenantId, form);
  return (defined && findField(defined.fields, reference)?.name) ?? reference;
}
