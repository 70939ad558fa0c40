/**
 * Reference Worker for `npm run bench`: a bare webhook endpoint that parses the JSON body, does ONE D1 INSERT
 * and answers 201. No routing, tenancy, auth, validation or outbox: the gateway's throughput is measured against it.
 */
interface ReferenceBindings {
  DB: D1Database;
}

export default {
  async fetch(request, env) {
    if (request.method !== "POST") return Response.json({ code: "METHOD_NOT_ALLOWED" }, { status: 405 });
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return Response.json({ code: "INVALID_JSON" }, { status: 400 });
    }
    const id = crypto.randomUUID();
    const createdAt = Date.now();
    await env.DB.prepare("INSERT INTO tickets (id, data, created_at) VALUES (?, ?, ?)")
      .bind(id, JSON.stringify(body), createdAt)
      .run();
    return Response.json({ id, created_at: new Date(createdAt).toISOString() }, { status: 201 });
  },
} satisfies ExportedHandler<ReferenceBindings>;
