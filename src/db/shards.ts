/**
 * Tenant shards: the data plane (each tenant's records, events, sequences, inbound log, idempotency keys, vendor
 * event ids, delivery attempts and delivery cursor) lives in one of several D1 databases bound as SHARD_0 …
 * SHARD_{n-1}; the control plane (tenants, keys, service accounts, subscriptions, hooks) stays in DB. Every
 * database gets every migration, so a shard is just another binding. A tenant's shard is fixed when it is
 * created (tenants.shard) and never read from anywhere else.
 *
 * With no SHARD_ binding at all, DB is the one shard (a single-database deployment; the fault simulator).
 */
import { database, type Database } from "./client";

const SHARD_BINDING = /^SHARD_(\d+)$/;

/** Found once per env object: every tenant request and delivery object asks for its shard. */
const bindingsOf = new WeakMap<object, D1Database[]>();

/** The shard databases in index order. Bindings must be numbered 0 … n-1 without a gap. */
export function shardBindings(env: object): D1Database[] {
  let shards = bindingsOf.get(env);
  if (!shards) {
    shards = findShardBindings(env);
    bindingsOf.set(env, shards);
  }
  return shards;
}

function findShardBindings(env: object): D1Database[] {
  const bound = env as Record<string, unknown>;
  const indexes = Object.keys(bound)
    .map((name) => SHARD_BINDING.exec(name)?.[1])
    .filter((index): index is string => index !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (indexes.length === 0) return [bound.DB as D1Database];
  indexes.forEach((index, position) => {
    if (index !== position) throw new Error(`Shard bindings must be SHARD_0 … SHARD_${indexes.length - 1} without a gap; SHARD_${position} is missing`);
  });
  return indexes.map((index) => bound[`SHARD_${index}`] as D1Database);
}

/** The client of shard `index`; an index no binding has is a configuration error (a shard was removed). */
export function shardDatabase(env: object, index: number): Database {
  const shard = shardBindings(env)[index];
  if (!shard) throw new Error(`Tenant data is on shard ${index}, but no SHARD_${index} binding exists`);
  return database(shard);
}

/** Where a new tenant goes: the shard with the fewest tenants (the lowest index on a tie). */
export function leastLoadedShard(tenantsPerShard: ReadonlyMap<number, number>, shardCount: number): number {
  let best = 0;
  for (let index = 1; index < shardCount; index++) {
    if ((tenantsPerShard.get(index) ?? 0) < (tenantsPerShard.get(best) ?? 0)) best = index;
  }
  return best;
}
