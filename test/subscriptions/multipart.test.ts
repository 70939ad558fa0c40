import { describe, expect, it } from "vitest";
import { chooseBoundary, serializeMultipart, type MultipartPart } from "../../src/subscriptions/multipart";
import multipartGolden from "./golden/multipart.txt?raw";

const encoder = new TextEncoder();
const entry = (json: unknown): MultipartPart => ({ name: "entry", contentType: "application/json; charset=UTF-8", bytes: encoder.encode(JSON.stringify(json)) });
const file = (name: string, filename: string, bytes: Uint8Array): MultipartPart => ({ name, filename, contentType: "application/octet-stream", bytes });
const everyByte = Uint8Array.from({ length: 256 }, (_, index) => index);

const parse = (serialized: { body: Uint8Array; contentType: string }) => new Response(serialized.body, { headers: { "content-type": serialized.contentType } }).formData();

describe("multipart/form-data serialisation (AR callbacks with files)", () => {
  it("lays the parts out as the seed's example: entry JSON first, then the file with filename, octet-stream and binary", () => {
    const { body, contentType } = serializeMultipart([entry({ a: 1 }), file("attach-Attachment1", "sample.png", everyByte)], "W3NByNRZZYy4ALu6xeZzvWXU3NVmYUxoRB");
    expect(contentType).toBe("multipart/form-data; boundary=W3NByNRZZYy4ALu6xeZzvWXU3NVmYUxoRB");
    const text = new TextDecoder("latin1").decode(body);
    // Every header line of the seed's parts, in its order (the seed folds one Content-Disposition over two lines).
    const seedHeaders = multipartGolden
      .replace("form-data;\nname=", "form-data; name=")
      .split("\n")
      .filter((line) => /^(--W3N|Content-)/.test(line));
    const ourHeaders = text.split("\r\n").filter((line) => /^(--W3N|Content-)/.test(line));
    expect(ourHeaders.slice(1)).toEqual(seedHeaders);
    expect(ourHeaders[0]).toBe("--W3NByNRZZYy4ALu6xeZzvWXU3NVmYUxoRB");
  });

  it("keeps every byte value of a file exactly (the body is bytes, not text)", async () => {
    const serialized = serializeMultipart([entry({ a: 1 }), file("attach-Blob", "all.bin", everyByte)], "b");
    const form = await parse(serialized);
    expect(JSON.parse(form.get("entry") as string)).toEqual({ a: 1 });
    expect([...new Uint8Array(await (form.get("attach-Blob") as File).arrayBuffer())]).toEqual([...everyByte]);
  });

  it("is a pure function of the parts and the boundary", () => {
    const parts = [entry({ a: 1 }), file("attach-A", "a.bin", everyByte)];
    expect(serializeMultipart(parts, "x")).toEqual(serializeMultipart(parts, "x"));
  });

  it("changes the boundary when a part's bytes contain it", async () => {
    const colliding = encoder.encode("before\r\n--hookgate-1-WBH1\r\nafter --hookgate-1-WBH1-1");
    const parts = [entry({ a: 1 }), file("attach-A", "a.txt", colliding)];
    expect(chooseBoundary(parts, "hookgate-1-WBH1")).toBe("hookgate-1-WBH1-2");
    const serialized = serializeMultipart(parts, "hookgate-1-WBH1");
    expect(serialized.contentType).toBe("multipart/form-data; boundary=hookgate-1-WBH1-2");
    expect([...new Uint8Array(await ((await parse(serialized)).get("attach-A") as File).arrayBuffer())]).toEqual([...colliding]);
  });

  it("escapes quotes and line breaks in names and file names as browsers do", async () => {
    const serialized = serializeMultipart([entry({}), file('attach-Say "hi"', 'a"b\r\n.txt', encoder.encode("x"))], "b");
    const text = new TextDecoder().decode(serialized.body);
    expect(text).toContain('name="attach-Say %22hi%22"; filename="a%22b%0D%0A.txt"');
  });
});
