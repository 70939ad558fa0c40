/** The drizzle client over the D1 binding. D1's only atomic unit is db.batch([...]); db.transaction does not work. */
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = DrizzleD1Database<typeof schema>;

export const database = (d1: D1Database): Database => drizzle(d1, { schema });
