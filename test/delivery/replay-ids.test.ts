/** Replay ids through the API: every replay of a delivery, or of one of its replays, is a new delivery with an id of its own. */
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers";
import { createEntry, listDeliveries, settle, startReceiver, subscribe, type Receiver } from "./harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

describe("replay ids", () => {
  it("replay, replay the replay, replay the original again: three distinct ids, each delivered", async () => {
    receiver = startReceiver();
    const tenant = await createTenant("replay-ids");
    await subscribe(tenant, { url: receiver.url });
    await createEntry(tenant, { n: 1 });
    await settle(tenant.id);
    const [original] = await listDeliveries(tenant);
    const replay = async (id: string) => {
      const response = await call(tenant.slug, `/api/v1/deliveries/${id}/replay`, { key: tenant.key, method: "POST" });
      expect(response.status).toBe(202);
      const replayed = await response.json<{ id: string; replayOf: string; eventSeq: number }>();
      await settle(tenant.id);
      return replayed;
    };
    const first = await replay(original!.id);
    const ofReplay = await replay(first.id);
    const again = await replay(original!.id);
    expect([first.id, ofReplay.id, again.id]).toEqual([`${original!.id}_r1`, `${original!.id}_r2`, `${original!.id}_r3`]);
    for (const replayed of [first, ofReplay, again]) expect(replayed).toMatchObject({ replayOf: original!.id, eventSeq: original!.eventSeq });
    expect(receiver.received.map((request) => request.headers.get("webhook-id"))).toEqual([original!.id, first.id, ofReplay.id, again.id]);
  });
});
