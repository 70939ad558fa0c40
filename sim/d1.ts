/**
 * D1 over node:sqlite, good enough for drizzle-orm's d1 driver (prepare, bind, all, run, raw, first, batch),
 * with the repository's migrations applied. Every call answers through the world's event queue after a
 * seeded latency, and may fail: before it ran, or (a write) after it committed with its answer lost.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { bindable } from "./sqlite-storage";
import type { Rng, World } from "./world";

export type D1Fault = "none" | "fail" | "lost";

export interface D1Faults {
  /** What happens to this call; a read is never "lost". */
  decide(kind: "read" | "write", sql: string): D1Fault;
}

const isWrite = (sql: string): boolean => /\b(insert|update|delete|replace|create|drop|alter)\b/i.test(sql);

/** Applies migrations/*.sql in name order, statement by statement. */
export function migratedDatabase(root: string): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  const dir = join(root, "migrations");
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".sql")).sort()) {
    for (const statement of readFileSync(join(dir, file), "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) db.exec(statement);
    }
  }
  return db;
}

interface Bound {
  sql: string;
  params: unknown[];
}

function runAll(db: DatabaseSync, bound: Bound) {
  const statement = db.prepare(bound.sql);
  const results = statement.all(...bound.params.map(bindable)) as Record<string, unknown>[];
  const changes = isWrite(bound.sql) ? Number((db.prepare("SELECT changes() AS n").get() as { n: number }).n) : 0;
  return { results, success: true, meta: { changes, last_row_id: 0, duration: 0, rows_read: results.length, rows_written: changes } };
}

function runRaw(db: DatabaseSync, bound: Bound): unknown[][] {
  const statement: StatementSync = db.prepare(bound.sql);
  statement.setReturnArrays(true);
  return statement.all(...bound.params.map(bindable)) as unknown as unknown[][];
}

export interface D1Options {
  world: World;
  rng: Rng;
  faults: D1Faults;
  /** The object instance making the calls (null: a Worker); its answers never arrive once it crashed. */
  owner: number | null;
  /** Told of every write as it runs (the schedule uses it to aim wake-ups at the attempt-log flush). */
  onWrite?: (sql: string) => void;
}

/** A D1Database binding over one shared node:sqlite database. */
export function d1Database(db: DatabaseSync, options: D1Options): D1Database {
  const { world, rng, faults, owner } = options;
  /** Runs `work` now (its effect is immediate) and answers after a latency, or fails as the faults say. */
  const call = <T>(sql: string, work: () => T): Promise<T> => {
    const write = isWrite(sql);
    const fault = faults.decide(write ? "write" : "read", sql);
    const latency = rng.int(1, 25);
    if (fault === "fail") return world.later(latency, () => { throw new Error(`D1_ERROR: sim fault (${write ? "write" : "read"} refused)`); }, owner);
    let result: T;
    try {
      if (write) options.onWrite?.(sql);
      result = work();
    } catch (error) {
      return world.later(latency, () => { throw error; }, owner);
    }
    if (fault === "lost") return world.later(latency, () => { throw new Error("D1_ERROR: sim fault (write committed, answer lost)"); }, owner);
    return world.later(latency, () => result, owner);
  };
  const statement = (bound: Bound) => ({
    bound,
    bind: (...params: unknown[]) => statement({ sql: bound.sql, params }),
    all: () => call(bound.sql, () => runAll(db, bound)),
    run: () => call(bound.sql, () => runAll(db, bound)),
    raw: () => call(bound.sql, () => runRaw(db, bound)),
    first: (column?: string) =>
      call(bound.sql, () => {
        const row = runAll(db, bound).results[0] ?? null;
        return column && row ? row[column] : row;
      }),
  });
  const binding = {
    prepare: (sql: string) => statement({ sql, params: [] }),
    batch: (statements: { bound: Bound }[]) =>
      call(statements.map((s) => s.bound.sql).join(";\n"), () => {
        db.exec("BEGIN");
        try {
          const results = statements.map((s) => runAll(db, s.bound));
          db.exec("COMMIT");
          return results;
        } catch (error) {
          db.exec("ROLLBACK");
          throw error;
        }
      }),
    exec: (sql: string) => call(sql, () => db.exec(sql)),
  };
  // drizzle uses only the members above; the rest of D1Database (dump, withSession) is not modelled.
  return binding as unknown as D1Database;
}
