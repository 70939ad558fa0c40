import { describe, expect, it } from "vitest";
import { ByteBudget } from "../../src/delivery/byte-budget";

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("ByteBudget: attachment bytes a delivery object holds at once", () => {
  it("lets sends in while they fit, queues the rest in arrival order, and starts them as bytes come back", async () => {
    const budget = new ByteBudget(10);
    const started: string[] = [];
    const releaseA = await budget.acquire(6);
    const b = budget.acquire(6).then((release) => (started.push("b"), release));
    const c = budget.acquire(1).then((release) => (started.push("c"), release));
    await settled();
    // c would fit, but waits behind b: no send overtakes one that waits.
    expect(started).toEqual([]);
    expect(budget.inUse).toBe(6);
    releaseA();
    releaseA();
    const releaseB = await b;
    const releaseC = await c;
    expect(started).toEqual(["b", "c"]);
    expect(budget.inUse).toBe(7);
    releaseB();
    releaseC();
    expect(budget.inUse).toBe(0);
  });

  it("a send larger than the whole budget runs alone rather than never", async () => {
    const budget = new ByteBudget(10);
    const release = await budget.acquire(50);
    expect(budget.inUse).toBe(50);
    let next = false;
    const waiting = budget.acquire(1).then((give) => ((next = true), give));
    await settled();
    expect(next).toBe(false);
    release();
    (await waiting)();
    expect(next).toBe(true);
  });
});
