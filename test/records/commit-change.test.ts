/**
 * commitChange()'s guarantee: every row that belongs to a change commits with it and only with it. Two writers
 * racing for one record both succeed, one after the other, and each one's `alongside` row exists exactly once:
 * the attempt that lost the race left nothing behind (without the commit guard, its first batch would keep its
 * row although its UPDATE matched nothing, and its retry would then fail on that very row).
 */
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { commitChange, recoverFromUniqueRace, type SQLRecordId } from "../../src/records/commit-change";
import { linkRecordKey } from "../../src/records/record-keys";
import { uniqueSlug } from "../helpers";

const db = () => database(env.SHARD_0);

function ports() {
  const woken: string[] = [];
  return { woken, ports: { db: db(), wakeDelivery: (tenantId: string) => void woken.push(tenantId) } };
}

const keyRows = async (tenantId: string) =>
  (await env.SHARD_0.prepare("SELECT key, record_id FROM record_keys WHERE tenant_id = ? ORDER BY key").bind(tenantId).all<{ key: string; record_id: string }>()).results;

describe("commitChange", () => {
  it("racing updates: both commit at successive versions, and each one's alongside row exists exactly once", async () => {
    const tenantId = `ten_${uniqueSlug()}`;
    const { ports: commitPorts, woken } = ports();
    const base = { tenantId, form: "Widget", source: "test" };
    const created = await commitChange(commitPorts, { ...base, intent: { kind: "create", data: { n: 0 } } });
    const id = created.record.id;
    const link = (key: string) => (recordId: SQLRecordId) => [linkRecordKey(db(), { tenantId, scope: "race", key }, "Widget", recordId)];

    const writers = Array.from({ length: 8 }, (_, index) =>
      commitChange(commitPorts, { ...base, intent: { kind: "update", id, patch: { n: index + 1 } }, alongside: link(`k${index}`) }),
    );
    const changes = await Promise.all(writers);

    expect(changes.map((change) => change.record.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await keyRows(tenantId)).toEqual(Array.from({ length: 8 }, (_, index) => ({ key: `k${index}`, record_id: id })));
    const events = await env.SHARD_0.prepare("SELECT version FROM events WHERE tenant_id = ? ORDER BY seq").bind(tenantId).all<{ version: number }>();
    expect(events.results.map((event) => event.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await env.SHARD_0.prepare("SELECT COUNT(*) AS n FROM commit_guard").first<{ n: number }>()).toEqual({ n: 0 });
    expect(woken.length).toBe(9);
  });

  it("a change whose alongside row is refused writes nothing: no record, no event, no wake-up", async () => {
    const tenantId = `ten_${uniqueSlug()}`;
    const { ports: commitPorts, woken } = ports();
    const base = { tenantId, form: "Widget", source: "test" };
    const taken = (recordId: SQLRecordId) => [linkRecordKey(db(), { tenantId, scope: "once", key: "same" }, "Widget", recordId)];
    await commitChange(commitPorts, { ...base, intent: { kind: "create", data: { n: 1 } }, alongside: taken });
    const second = commitChange(commitPorts, { ...base, intent: { kind: "create", data: { n: 2 } }, alongside: taken });
    await expect(second).rejects.toThrow(/UNIQUE|PRIMARY KEY/);
    const counts = await db().get<{ records: number; events: number }>(
      sql`SELECT (SELECT COUNT(*) FROM records WHERE tenant_id = ${tenantId}) AS records, (SELECT COUNT(*) FROM events WHERE tenant_id = ${tenantId}) AS events`,
    );
    expect(counts).toEqual({ records: 1, events: 1 });
    expect(woken).toEqual([tenantId]);
  });

  it("recoverFromUniqueRace answers with what recover finds, and lets every other error stand", async () => {
    const unique = new Error("D1_ERROR: UNIQUE constraint failed: record_keys.key");
    await expect(recoverFromUniqueRace(() => Promise.reject(unique), async () => "theirs")).resolves.toBe("theirs");
    await expect(recoverFromUniqueRace(() => Promise.reject(unique), async () => null)).rejects.toBe(unique);
    const other = new Error("network");
    await expect(recoverFromUniqueRace(() => Promise.reject(other), async () => "never")).rejects.toBe(other);
  });
});
