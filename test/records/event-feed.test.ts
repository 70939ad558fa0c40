/**
 * The events outbox as delivery reads it: pages bounded by bytes as well as rows (an event can be ~1 MiB), always
 * at least one event so a huge one still moves; and the sweep's walk of tenants past a reader's cursor.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { deliveryCursors } from "../../src/db/schema";
import { EVENT_PAGE_BYTES, eventsAfter, tenantsPastCursor } from "../../src/records/event-feed";
import { createRecord } from "../../src/records/record-writes";

const MiB = 1024 * 1024;
const db = () => database(env.SHARD_0);

async function writeEvents(tenantId: string, count: number, bytes: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let n = 0; n < count; n++) {
    const change = await createRecord(db(), { tenantId, form: "Widget", source: "test", data: { n, blob: "x".repeat(bytes) } });
    seqs.push(change.event!.seq);
  }
  return seqs;
}

describe("event pages", () => {
  it("a page of ~1 MiB events holds fewer rows than asked, and the pages read every event once, in order", async () => {
    const tenantId = `ten_pages_${crypto.randomUUID()}`;
    const seqs = await writeEvents(tenantId, 7, MiB);
    const pages: number[][] = [];
    for (let after = 0; ; ) {
      const page = await eventsAfter(db(), tenantId, after, 100);
      if (page.length === 0) break;
      pages.push(page.map((event) => event.seq));
      after = page[page.length - 1]!.seq;
    }
    expect(EVENT_PAGE_BYTES).toBe(4 * MiB);
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(seqs);
  });

  it("one event larger than the budget is still read, alone", async () => {
    const tenantId = `ten_pages_${crypto.randomUUID()}`;
    const seqs = await writeEvents(tenantId, 2, 1024);
    const page = await eventsAfter(db(), tenantId, 0, 100, 10);
    expect(page.map((event) => event.seq)).toEqual([seqs[0]]);
    expect(page[0]!.data).toMatchObject({ n: 0 });
  });

  it("small events fill a page up to the row limit", async () => {
    const tenantId = `ten_pages_${crypto.randomUUID()}`;
    const seqs = await writeEvents(tenantId, 5, 10);
    expect((await eventsAfter(db(), tenantId, 0, 4)).map((event) => event.seq)).toEqual(seqs.slice(0, 4));
    expect((await eventsAfter(db(), tenantId, seqs[3]!, 4)).map((event) => event.seq)).toEqual(seqs.slice(4));
  });
});

describe("tenants past a cursor", () => {
  it("finds tenants with no cursor or a cursor behind their newest event, up to the limit", async () => {
    const [behind, caughtUp, unseen] = ["behind", "caught-up", "unseen"].map((label) => `ten_${label}_${crypto.randomUUID()}`) as [string, string, string];
    const [, newest] = await writeEvents(behind, 2, 10);
    const [caughtUpSeq] = await writeEvents(caughtUp, 1, 10);
    await writeEvents(unseen, 1, 10);
    await db().insert(deliveryCursors).values([
      { tenantId: behind, seq: newest! - 1, updatedAt: 1 },
      { tenantId: caughtUp, seq: caughtUpSeq!, updatedAt: 1 },
    ]);
    const cursors = { table: deliveryCursors, tenantId: deliveryCursors.tenantId, seq: deliveryCursors.seq };
    const past = await tenantsPastCursor(db(), cursors, 100_000);
    expect(past).toEqual(expect.arrayContaining([behind, unseen]));
    expect(past).not.toContain(caughtUp);
    expect(await tenantsPastCursor(db(), cursors, 1)).toHaveLength(1);
  });
});
