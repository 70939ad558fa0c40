/**
 * Per-tenant sequences (the `sequences` table) behind readable sequential ids such as TKT000000000042 and
 * WBH000000000101. The bump and the id that uses it go in the same D1 batch, so an id is never handed out
 * twice and never needs a second round trip.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { sequences } from "../db/schema";

/** The statement that advances a tenant's sequences (creating each at 1): one statement however many. */
export const bumpSequence = (db: Database, tenantId: string, ...names: [string, ...string[]]) =>
  db
    .insert(sequences)
    .values(names.map((name) => ({ tenantId, name, value: 1 })))
    .onConflictDoUpdate({ target: [sequences.tenantId, sequences.name], set: { value: sql`${sequences.value} + 1` } });

/** The sequence's current value as a zero-padded id, as SQL for use later in the same batch. */
export const sequenceIdExpression = (tenantId: string, name: string, prefix: string, digits: number) =>
  sql`(SELECT ${prefix} || printf(${`%0${digits}d`}, ${sequences.value}) FROM ${sequences} WHERE ${sequences.tenantId} = ${tenantId} AND ${sequences.name} = ${name})`;

/** The tenant's sequence that numbers its events (seq, and so every webhook-id), from 1. */
export const EVENT_SEQUENCE = "event";

/** The event sequence's current value, as SQL for use later in the same batch (after bumpSequence). */
export const eventSeqExpression = (tenantId: string) =>
  sql<number>`(SELECT ${sequences.value} FROM ${sequences} WHERE ${sequences.tenantId} = ${tenantId} AND ${sequences.name} = ${EVENT_SEQUENCE})`;
