/**
 * Reference Worker for `npm run bench:delivery`. `POST /` with `{"url": "...", "count": n, "stream": "s1"}` sends
 * n POSTs to `url` one after the other (each awaited and its body read, as the gateway reads a response excerpt),
 * with an AR-shaped JSON body and a `webhook-id` header, and answers how many got a 2xx and how long it took.
 * No tenancy, storage, queue or Durable Object: one stream's serial delivery ceiling on this runtime.
 */
interface LoopRequest {
  url: string;
  count: number;
  stream?: string;
}

const MAX_COUNT = 100_000;

export default {
  async fetch(request) {
    if (request.method !== "POST") return Response.json({ ok: true });
    let loop: LoopRequest;
    try {
      loop = (await request.json()) as LoopRequest;
    } catch {
      return Response.json({ code: "INVALID_JSON" }, { status: 400 });
    }
    const url = new URL(loop.url);
    if (url.hostname !== "127.0.0.1" || !Number.isInteger(loop.count) || loop.count < 1 || loop.count > MAX_COUNT) {
      return Response.json({ code: "BAD_LOOP", message: "url must be http://127.0.0.1:<port>/..., count 1..100000" }, { status: 400 });
    }
    const stream = loop.stream ?? "ref";
    const started = Date.now();
    let ok = 0;
    let failed = 0;
    for (let seq = 1; seq <= loop.count; seq++) {
      const body = JSON.stringify({
        webhook_id: stream,
        entry_event: "create",
        form_name: "Widget",
        entry_id: `REF${String(seq).padStart(12, "0")}`,
        record_id: `REF${String(seq).padStart(12, "0")}`,
        entry_details: { name: `widget ${seq}`, n: seq },
      });
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", "webhook-id": `msg_${seq}_${stream}`, "user-agent": "hookgate-bench-reference" },
          body,
          redirect: "manual",
        });
        await response.text();
        if (response.ok) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
    return Response.json({ stream, count: loop.count, ok, failed, elapsed_ms: Date.now() - started });
  },
} satisfies ExportedHandler;
