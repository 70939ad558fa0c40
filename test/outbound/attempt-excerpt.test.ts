/**
 * attempt()'s response excerpt: the first 1 KiB of whatever the receiver answers, however its body is framed
 * (declared length, one chunk, many chunks, a stream that outlives the limit).
 */
import { afterEach, describe, expect, it } from "vitest";
import { attempt, RESPONSE_EXCERPT_BYTES } from "../../src/outbound/attempt";
import { useTransport } from "../../src/outbound/transport";

let restore: (() => void) | null = null;
afterEach(() => restore?.());

/** A body of the given chunks, as a byte stream (what fetch() gives) or a plain JS stream. */
function streamOf(chunks: string[], type?: "bytes"): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream({
    type,
    pull(controller) {
      if (next < chunks.length) controller.enqueue(encoder.encode(chunks[next++]));
      else controller.close();
    },
  } as UnderlyingByteSource);
}

async function excerptOf(body: BodyInit): Promise<string | null> {
  restore = useTransport(async () => new Response(body, { status: 200 }));
  return (await attempt(new Request("https://receiver.test/hook", { method: "POST", body: "{}" }), 1_000)).responseExcerpt;
}

describe("response excerpt", () => {
  it("keeps a short answer whole, in one chunk or several", async () => {
    expect(await excerptOf("ok")).toBe("ok");
    expect(await excerptOf(streamOf(["o", "k", "!"], "bytes"))).toBe("ok!");
    expect(await excerptOf(streamOf(["o", "k", "!"]))).toBe("ok!");
  });

  it("cuts a long answer at 1 KiB, across chunk boundaries, without reading the rest", async () => {
    let pulled = 0;
    const endless = new ReadableStream({
      type: "bytes",
      pull(controller) {
        pulled++;
        controller.enqueue(new TextEncoder().encode("y".repeat(600)));
      },
    } as UnderlyingByteSource);
    expect(await excerptOf(streamOf(["a".repeat(600), "b".repeat(600), "c".repeat(600)], "bytes"))).toBe("a".repeat(600) + "b".repeat(424));
    expect(await excerptOf("x".repeat(5000))).toHaveLength(RESPONSE_EXCERPT_BYTES);
    expect(await excerptOf(endless)).toBe("y".repeat(RESPONSE_EXCERPT_BYTES));
    expect(pulled).toBeLessThan(5);
  });
});
