/** Events of ~1 MiB each: the engine reads them in pages bounded by bytes and still delivers every one, in order. */
import { afterEach, describe, expect, it } from "vitest";
import { database } from "../../src/db/client";
import { createRecord } from "../../src/records/record-writes";
import { createTenant, shardOf } from "../helpers";
import { deliveryStub, seqOf, settle, startReceiver, subscribe, type Receiver } from "./harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

describe("large events", () => {
  it("seven ~1 MiB events are all delivered, in commit order", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("big");
    await subscribe(tenant, { url: receiver.url });
    const seqs: number[] = [];
    for (let n = 0; n < 7; n++) {
      const change = await createRecord(database(await shardOf(tenant.id)), { tenantId: tenant.id, form: "Widget", source: "test", data: { n, blob: "x".repeat(1024 * 1024) } });
      seqs.push(change.event!.seq);
    }
    // A page holds at most 4 MiB of events, so reading these takes several pages (one pump may stop after one).
    let cursor = 0;
    for (let pumps = 0; pumps < 10 && cursor < seqs[6]!; pumps++) cursor = (await deliveryStub(tenant.id).pump(tenant.id)).cursor;
    expect(cursor).toBe(seqs[6]);
    await settle(tenant.id);
    expect(receiver.received.map(seqOf)).toEqual(seqs);
    expect(receiver.received.every((request) => request.body.length > 1024 * 1024)).toBe(true);
  });
});
