/** The drizzle client over the D1 binding. D1's only atomic unit is db.batch([...]); db.transaction does not work. */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = DrizzleD1Database<typeof schema>;

/** One client per binding: building one walks the whole schema, and every request and delivery object asks for one. */
const clients = new WeakMap<D1Database, Database>();

export function database(d1: D1Database): Database {
  let client = clients.get(d1);
  if (!client) {
    client = drizzle(d1, { schema });
    clients.set(d1, client);
  }
  return client;
}
