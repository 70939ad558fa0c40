/**
 * upsertByKey(): finds a record by a vendor's own identifiers (record keys such as an HR employee_id or a
 * configurable hook's sync keys) and commits what the caller decides for it: create, update, delete, or keep.
 * Every key is linked to the record in the same batch as the change, so a record found by one key is found by
 * its others next time. Two first deliveries for the same key race on the link's primary key: the loser's
 * batch fails as a whole and is decided again, once, against the record the winner created.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../db/client";
import { recordKeys, type StoredRecord } from "../db/schema";
import { commitChange, recoverFromUniqueRace, type ChangeIntent, type CommitPorts, type RecordChange, type SQLRecordId } from "./commit-change";
import { findRecordByKey, linkRecordKey, type RecordKey } from "./record-keys";

export interface KeyValue {
  scope: string;
  key: string;
}

export interface Found {
  /** The first live record a key finds, else the first (deleted) one, else null. */
  record: StoredRecord | null;
  /** Index in `keys` of the key that found `record`; 0 when none did. */
  matchedBy: number;
}

export type Decision = { intent: ChangeIntent } | { keep: StoredRecord };

export interface UpsertByKey {
  tenantId: string;
  form: string;
  source: string;
  now: number;
  /** Who made the change ($USER$), where a principal did. */
  actor?: string | null;
  /** At least one key, in order of preference. */
  keys: readonly KeyValue[];
  /** What to do with what the keys found; may throw to refuse (nothing is written then). */
  decide: (found: Found) => Promise<Decision>;
  /** Rows that belong to the change (see commitChange); told which change they go with. */
  alongside?: (recordId: SQLRecordId, intent: ChangeIntent | null) => BatchItem<"sqlite">[];
  /** Also write the links and `alongside` rows when the decision changes nothing (no event, no version guard). */
  linkWhenUnchanged?: boolean;
}

export interface UpsertResult extends RecordChange {
  matchedBy: number;
}

export interface Lookup extends Found {
  /** What each key's link points to now (null: no link on this form). */
  links: (StoredRecord | null)[];
}

/** What the keys find on the form, without writing anything (a caller's pre-check). */
export async function findByKeys(db: Database, tenantId: string, form: string, keys: readonly KeyValue[]): Promise<Lookup> {
  const links: (StoredRecord | null)[] = [];
  for (const key of keys) {
    const found = await findRecordByKey(db, { tenantId, ...key });
    links.push(found && found.form === form ? found : null);
  }
  const live = links.findIndex((record) => record !== null && record.deletedAt === null);
  const any = links.findIndex((record) => record !== null);
  const matchedBy = live >= 0 ? live : Math.max(any, 0);
  return { links, record: links[matchedBy] ?? null, matchedBy };
}

/** Links every key to the record: a new link is a plain insert (it loses a race as a whole), a moved one an update. */
function linkStatements(ports: CommitPorts, request: UpsertByKey, lookup: Lookup, recordId: SQLRecordId, knownId: string | null) {
  const statements: BatchItem<"sqlite">[] = [];
  request.keys.forEach((value, index) => {
    const key: RecordKey = { tenantId: request.tenantId, ...value };
    const linked = lookup.links[index] ?? null;
    if (linked === null) statements.push(linkRecordKey(ports.db, key, request.form, recordId, request.now));
    else if (linked.id !== knownId) {
      statements.push(
        ports.db
          .update(recordKeys)
          .set({ form: request.form, recordId })
          .where(and(eq(recordKeys.tenantId, key.tenantId), eq(recordKeys.scope, key.scope), eq(recordKeys.key, key.key))),
      );
    }
  });
  return statements;
}

async function attempt(ports: CommitPorts, request: UpsertByKey): Promise<UpsertResult> {
  const lookup = await findByKeys(ports.db, request.tenantId, request.form, request.keys);
  const decision = await request.decide(lookup);
  const rows = (intent: ChangeIntent | null, knownId: string | null) => (recordId: SQLRecordId) => [
    ...linkStatements(ports, request, lookup, recordId, knownId),
    ...(request.alongside?.(recordId, intent) ?? []),
  ];
  let change: RecordChange;
  if ("keep" in decision) change = { record: decision.keep, event: null };
  else {
    const { intent } = decision;
    const knownId = intent.kind === "create" ? null : intent.id;
    change = await commitChange(ports, { tenantId: request.tenantId, form: request.form, source: request.source, actor: request.actor, now: request.now, intent, alongside: rows(intent, knownId) });
  }
  if (change.event === null && request.linkWhenUnchanged) {
    const pending = rows(null, change.record.id)(sql`${change.record.id}`);
    if (pending.length > 0) await ports.db.batch(pending as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  }
  return { ...change, matchedBy: lookup.matchedBy };
}

export function upsertByKey(ports: CommitPorts, request: UpsertByKey): Promise<UpsertResult> {
  if (request.keys.length === 0) throw new Error("upsertByKey needs at least one key");
  return recoverFromUniqueRace(
    () => attempt(ports, request),
    () => attempt(ports, request),
  );
}
