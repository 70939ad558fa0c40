import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { sequences } from "../../src/db/schema";
import { findRecord, listEvents } from "../../src/records/store";
import { createRecord, deleteRecord, updateRecord } from "../../src/records/record-writes";
import { countRows, uniqueSlug } from "../helpers";

const db = () => database(env.SHARD_0);
const context = () => ({ tenantId: `ten_${uniqueSlug()}`, form: "Widget", source: "test" });

describe("record store", () => {
  it("formats ids per form: known prefixes, else 15 digits, sequential per tenant and form", async () => {
    const tenantId = `ten_${uniqueSlug()}`;
    const created = async (form: string) => (await createRecord(db(), { tenantId, form, source: "test", data: { n: 1 } })).record.id;
    expect([await created("Ticket"), await created("Ticket")]).toEqual(["TKT000000000001", "TKT000000000002"]);
    expect(await created("User")).toBe("USR000000000001");
    expect(await created("HPD:Help Desk")).toBe("000000000000001");
  });

  it("creates a record at version 1 with a create event listing every field", async () => {
    const ctx = context();
    const change = await createRecord(db(), { ...ctx, data: { b: 2, a: 1 } });
    expect(change.record).toMatchObject({ id: "000000000000001", version: 1, data: { a: 1, b: 2 } });
    expect(change.event).toMatchObject({ type: "create", changedFields: ["a", "b"] });
    const [event] = await listEvents(db(), ctx.tenantId, { after: 0, limit: 10 });
    expect(event).toMatchObject({ seq: change.event!.seq, recordId: "000000000000001", data: { a: 1, b: 2 }, version: 1 });
  });

  it("updates only what changed: the event lists the changed fields and carries the new values", async () => {
    const ctx = context();
    const created = await createRecord(db(), { ...ctx, data: { status: "New", owner: "ann", note: "x" } });
    const updated = await updateRecord(db(), { ...ctx, id: created.record.id, patch: { status: "Closed", owner: "ann", note: null } });
    expect(updated.record.version).toBe(2);
    expect(updated.record.data).toEqual({ status: "Closed", owner: "ann" });
    expect(updated.event).toMatchObject({ type: "update", changedFields: ["note", "status"] });
    const events = await listEvents(db(), ctx.tenantId, { after: 0, limit: 10 });
    expect(events.map((event) => event.type)).toEqual(["create", "update"]);
    expect(events[1]?.data).toEqual({ status: "Closed", owner: "ann" });
  });

  it("appends no event and keeps the version when an update changes nothing", async () => {
    const ctx = context();
    const created = await createRecord(db(), { ...ctx, data: { a: 1 } });
    const same = await updateRecord(db(), { ...ctx, id: created.record.id, patch: { a: 1 } });
    expect(same.event).toBeNull();
    expect(same.record.version).toBe(1);
    expect(await countRows("events", ctx.tenantId)).toBe(1);
  });

  it("soft-deletes: the record stays for audit, the delete event carries its last values, a second delete is NOT_FOUND", async () => {
    const ctx = context();
    const created = await createRecord(db(), { ...ctx, data: { a: 1 } });
    const deleted = await deleteRecord(db(), { ...ctx, id: created.record.id });
    expect(deleted.event).toMatchObject({ type: "delete" });
    const kept = await findRecord(db(), ctx.tenantId, ctx.form, created.record.id);
    expect(kept?.deletedAt).not.toBeNull();
    expect(kept?.data).toEqual({ a: 1 });
    const [, event] = await listEvents(db(), ctx.tenantId, { after: 0, limit: 10 });
    expect(event?.data).toEqual({ a: 1 });
    await expect(deleteRecord(db(), { ...ctx, id: created.record.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(updateRecord(db(), { ...ctx, id: created.record.id, patch: { a: 2 } })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("commits record and event atomically: a failing statement in the batch leaves neither (invariants 1 and 6)", async () => {
    const ctx = context();
    // Two inserts of the same primary key: the second fails inside the batch.
    const duplicate = () => db().insert(sequences).values({ tenantId: ctx.tenantId, name: "dup", value: 1 });
    const failing = () => [duplicate(), duplicate()];
    await expect(createRecord(db(), { ...ctx, data: { a: 1 } }, failing)).rejects.toThrow(/UNIQUE constraint failed/);
    expect(await countRows("records", ctx.tenantId)).toBe(0);
    expect(await countRows("events", ctx.tenantId)).toBe(0);
    expect(await countRows("sequences", ctx.tenantId)).toBe(0);

    const created = await createRecord(db(), { ...ctx, data: { a: 1 } });
    await expect(updateRecord(db(), { ...ctx, id: created.record.id, patch: { a: 2 } }, failing)).rejects.toThrow(/UNIQUE constraint failed/);
    expect((await findRecord(db(), ctx.tenantId, ctx.form, created.record.id))?.data).toEqual({ a: 1 });
    expect(await countRows("events", ctx.tenantId)).toBe(1);
  });

  it("guards updates by version: a write racing a concurrent one appends exactly one event per real change", async () => {
    const ctx = context();
    const created = await createRecord(db(), { ...ctx, data: { n: 0 } });
    const results = await Promise.all(
      [1, 2, 3].map((n) => updateRecord(db(), { ...ctx, id: created.record.id, patch: { [`f${n}`]: n } })),
    );
    const versions = results.map((result) => result.record.version).sort();
    expect(versions).toEqual([2, 3, 4]);
    const events = await listEvents(db(), ctx.tenantId, { after: 0, limit: 10 });
    expect(events.map((event) => event.version)).toEqual([1, 2, 3, 4]);
    expect((await findRecord(db(), ctx.tenantId, ctx.form, created.record.id))?.data).toEqual({ n: 0, f1: 1, f2: 2, f3: 3 });
  });

  it("keeps tenants apart: same form, same ids, separate records and feeds", async () => {
    const a = context();
    const b = context();
    await createRecord(db(), { ...a, data: { owner: "a" } });
    await createRecord(db(), { ...b, data: { owner: "b" } });
    expect((await findRecord(db(), a.tenantId, "Widget", "000000000000001"))?.data).toEqual({ owner: "a" });
    expect((await findRecord(db(), b.tenantId, "Widget", "000000000000001"))?.data).toEqual({ owner: "b" });
    expect((await listEvents(db(), a.tenantId, { after: 0, limit: 10 })).map((event) => event.data)).toEqual([{ owner: "a" }]);
  });
});
