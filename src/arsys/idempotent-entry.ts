/**
 * `Idempotency-Key` on the AR entry API's create and mergeEntry: a publisher's retry within 24 h gets the entry
 * its first request made (`Idempotent-Replayed: true`, no second entry, no second event); the same key with
 * another request (body, form or route) is 409. The key is remembered in the change's own batch, so two racing
 * requests with one key make one change and the loser answers as the replay.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/app-env";
import { AppError } from "../runtime/errors";
import { findRecord } from "../records/store";
import { recoverFromUniqueRace, type Alongside } from "../records/commit-change";
import { findIdempotentRecord, idempotencyRequest, rememberIdempotencyKey } from "../inbound/idempotency";

const SCOPE = "arsys.entry";

export interface EntryWrite {
  entryId: string;
  replayed: boolean;
}

/** Runs `write` once per Idempotency-Key (or every time without one), passing the rows that remember the key. */
export async function idempotentEntryWrite(
  c: Context<AppEnv>,
  form: string,
  write: (alongside: Alongside) => Promise<{ record: { id: string } }>,
): Promise<EntryWrite> {
  const tenantId = c.get("tenant").id;
  const db = c.get("data");
  // The route and form are part of the request: one key reused on another form is a different request.
  const request = `${c.req.method} ${new URL(c.req.url).pathname}\n${await c.req.text()}`;
  const idempotency = await idempotencyRequest(c.req.header("idempotency-key"), tenantId, SCOPE, request);

  const replay = async (): Promise<EntryWrite | null> => {
    const earlier = idempotency && (await findIdempotentRecord(db, idempotency));
    if (!earlier) return null;
    const record = await findRecord(db, tenantId, earlier.form, earlier.recordId);
    if (!record) throw new AppError("CONFLICT", "The entry written with this Idempotency-Key has been erased; send the request with a new key");
    return { entryId: record.id, replayed: true };
  };

  const replayed = await replay();
  if (replayed) return replayed;
  const alongside: Alongside = (recordId) => (idempotency ? [...rememberIdempotencyKey(db, idempotency, form, recordId)] : []);
  const commit = async (): Promise<EntryWrite> => ({ entryId: (await write(alongside)).record.id, replayed: false });
  return recoverFromUniqueRace(commit, replay);
}

/** The response headers of an entry write: Location, and Idempotent-Replayed on a replay. */
export const entryWriteHeaders = (location: string, write: EntryWrite): Record<string, string> =>
  write.replayed ? { Location: location, "Idempotent-Replayed": "true" } : { Location: location };
