import { describe, expect, it } from "vitest";
import { BodyTooLargeError, readBodyText } from "../../src/http/read-body";

const stream = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

describe("readBodyText", () => {
  it("reads a body within the limit, across chunks", async () => {
    expect(await readBodyText(stream("ab", "cd"), 4, "throw")).toBe("abcd");
    expect(await readBodyText(null, 4, "throw")).toBe("");
  });

  it("throws past the limit in throw mode, and cuts at the limit in truncate mode", async () => {
    await expect(readBodyText(stream("ab", "cde"), 4, "throw")).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(await readBodyText(stream("ab", "cde", "fg"), 4, "truncate")).toBe("abcd");
  });
});
