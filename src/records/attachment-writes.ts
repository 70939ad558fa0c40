/**
 * A record change that carries files (AR's multipart entry writes): the bytes go to the bucket first, then
 * the change commits with each file's field set to `{name, sizeBytes}` and, in the same batch, the rows that
 * say which object each field now names. When the commit fails (a lost race that ends in CONFLICT, a deleted
 * record, D1 refusing), the objects just written are deleted, best effort: what a failed delete leaves is an
 * unreferenced object under the tenant's prefix, logged as `attachment_orphans_left`, never a record naming
 * missing bytes.
 */
import { commitChange, type Change, type ChangeIntent, type CommitPorts, type RecordChange } from "./commit-change";
import { registerFormName, resolveFormName } from "./form-names";
import { attachmentValue, type Upload } from "./attachments";
import { deleteObjectsBestEffort, putUploads, uploadRows, type AttachmentBucket } from "./attachment-store";
import type { RecordData } from "../db/schema";

export interface AttachmentCommitPorts extends CommitPorts {
  attachments: AttachmentBucket;
}

/** commitChange() for a create or update with `uploads` (each to its own field); without uploads it is exactly commitChange(). */
export async function commitWithAttachments(ports: AttachmentCommitPorts, change: Change, uploads: readonly Upload[]): Promise<RecordChange> {
  const { intent } = change;
  if (uploads.length === 0 || intent.kind === "delete") return commitChange(ports, change);
  // The form as the commit will name it, so the objects and rows are filed under the same spelling as the record.
  const form =
    intent.kind === "create"
      ? await registerFormName(ports.db, change.tenantId, change.form, change.now)
      : await resolveFormName(ports.db, change.tenantId, change.form);
  const stored = await putUploads(ports.attachments, change.tenantId, form, uploads);
  const values: RecordData = Object.fromEntries(stored.map((upload) => [upload.field, attachmentValue(upload)]));
  const withFiles: ChangeIntent =
    intent.kind === "create"
      ? { ...intent, data: { ...intent.data, ...values } }
      : { ...intent, patch: { ...intent.patch, ...values }, alsoChanged: stored.map((upload) => upload.field) };
  const now = change.now ?? Date.now();
  try {
    return await commitChange(ports, {
      ...change,
      form,
      intent: withFiles,
      alongside: (recordId) => [...(change.alongside?.(recordId) ?? []), ...uploadRows(ports.db, change.tenantId, form, recordId, stored, now)],
    });
  } catch (error) {
    await deleteObjectsBestEffort(ports.attachments, stored.map((upload) => upload.objectKey), "commit_failed");
    throw error;
  }
}
