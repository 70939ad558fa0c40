/**
 * The Durable Object's SQLite storage (SqlStorage and transactionSync) over node:sqlite, in memory. The file
 * outlives object instances: a crash drops an instance and its handle (every later call through it throws),
 * and the next instance opens a new handle on the same database.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";

type Value = string | number | null;

const isRead = (query: string): boolean => /^\s*(SELECT|WITH|PRAGMA)\b/i.test(query);

/** node:sqlite binds no booleans or undefined; the runtime turns them into 1/0 and NULL. */
export const bindable = (value: unknown): Value | Uint8Array => {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "bigint") return Number(value);
  return value as Value | Uint8Array;
};

class Cursor<T extends Record<string, SqlStorageValue>> {
  private index = 0;

  constructor(
    private readonly rows: T[],
    readonly rowsWritten: number,
  ) {}

  get rowsRead(): number {
    return this.rows.length;
  }

  get columnNames(): string[] {
    return this.rows[0] ? Object.keys(this.rows[0]) : [];
  }

  toArray(): T[] {
    const rest = this.rows.slice(this.index);
    this.index = this.rows.length;
    return rest;
  }

  one(): T {
    if (this.rows.length !== 1) throw new Error(`Expected exactly one row, got ${this.rows.length}`);
    return this.rows[0]!;
  }

  next(): IteratorResult<T> {
    const row = this.rows[this.index];
    if (!row) return { done: true, value: undefined };
    this.index++;
    return { done: false, value: row };
  }

  raw(): IterableIterator<SqlStorageValue[]> {
    return this.toArray()
      .map((row) => Object.values(row))
      [Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.toArray()[Symbol.iterator]();
  }
}

/** One object's durable SQLite file. */
export class ObjectDatabase {
  readonly db = new DatabaseSync(":memory:");
  private readonly statements = new Map<string, StatementSync>();

  /** A prepared statement, reused: the engine runs the same few queries over and over. */
  prepare(query: string): StatementSync {
    let statement = this.statements.get(query);
    if (!statement) {
      statement = this.db.prepare(query);
      this.statements.set(query, statement);
    }
    return statement;
  }

  /** Rows changed since the file was opened: the invariant checks skip work when nothing changed. */
  changes(): number {
    return (this.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
  }

  /** Runs a read straight on the file, for the invariant checks: no instance, no held writes. */
  read<T>(query: string, ...bindings: Value[]): T[] {
    return this.prepare(query).all(...bindings) as T[];
  }

  /** A handle for one instance: usable while `alive()` says so. */
  handle(alive: () => boolean): { sql: SqlStorage; transactionSync<T>(run: () => T): T } {
    const db = this.db;
    const prepare = (query: string) => this.prepare(query);
    const check = (): void => {
      if (!alive()) throw new Error("sim: this object instance has crashed");
    };
    const sql = {
      exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]) {
        check();
        const statement = prepare(query);
        const values = bindings.map(bindable);
        if (isRead(query)) return new Cursor<T>(statement.all(...values) as T[], 0);
        const result = statement.run(...values);
        return new Cursor<T>([], Number(result.changes));
      },
      get databaseSize() {
        return 0;
      },
    };
    return {
      // The engine uses exec() only; the rest of SqlStorage's surface is not modelled.
      sql: sql as unknown as SqlStorage,
      transactionSync<T>(run: () => T): T {
        check();
        db.exec("BEGIN");
        try {
          const result = run();
          db.exec("COMMIT");
          return result;
        } catch (error) {
          db.exec("ROLLBACK");
          throw error;
        }
      },
    };
  }
}
