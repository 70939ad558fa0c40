import { describe, expect, it } from "vitest";
import { call, createTenant, type TestTenant } from "../helpers";
import { MAX_TRANSFORMATION_CHARS } from "../../src/subscriptions/transformation";

const BASE = "/api/arsys/v1.0/webhook";
const REGISTRATION = {
  description: "transformed",
  form_name: "HPD:Help Desk",
  entry_events: ["create", "update"],
  callback: { url: "https://receiver.example/transformed", authentication: { type: "NO_AUTH" } },
  payload_fields: ["Status"],
};
const TEMPLATE = `{"status": {{ payload.entry_details.Status | tojson }}}`;

interface ArMessage {
  messageType: string;
  messageNumber: number;
  messageAppendedText: string;
}

async function register(tenant: TestTenant, json: unknown): Promise<{ response: Response; id: string }> {
  const response = await call(tenant.slug, BASE, { key: tenant.key, json });
  return { response, id: (response.headers.get("location") ?? "").split("/").pop() ?? "" };
}
const read = async (tenant: TestTenant, id: string) => (await call(tenant.slug, `${BASE}/${id}`, { key: tenant.key })).json<Record<string, unknown>>();
const put = (tenant: TestTenant, id: string, json: unknown) => call(tenant.slug, `${BASE}/${id}`, { key: tenant.key, method: "PUT", json });

describe("AR webhook `transformation` (Hookgate extension)", () => {
  it("POST stores it and the view shows it; without it the view shows null", async () => {
    const tenant = await createTenant("ar-xform");
    const { response, id } = await register(tenant, { ...REGISTRATION, transformation: TEMPLATE });
    expect(response.status).toBe(201);
    expect((await read(tenant, id)).transformation).toBe(TEMPLATE);
    const plain = await register(tenant, { ...REGISTRATION, entry_events: ["delete"] });
    expect((await read(tenant, plain.id)).transformation).toBeNull();
  });

  it("a PUT that leaves it out keeps it; a PUT with another replaces it; null clears it", async () => {
    const tenant = await createTenant("ar-xform-put");
    const { id } = await register(tenant, { ...REGISTRATION, transformation: TEMPLATE });
    expect((await put(tenant, id, { ...REGISTRATION, description: "AR client edit" })).status).toBe(204);
    expect(await read(tenant, id)).toMatchObject({ description: "AR client edit", transformation: TEMPLATE });
    const next = `{"s": {{ event.seq }}}`;
    expect((await put(tenant, id, { ...REGISTRATION, transformation: next })).status).toBe(204);
    expect((await read(tenant, id)).transformation).toBe(next);
    expect((await put(tenant, id, { ...REGISTRATION, transformation: null })).status).toBe(204);
    expect((await read(tenant, id)).transformation).toBeNull();
  });

  it("a template that does not parse, or is too long, is 400 in AR's error array naming transformation; nothing changes", async () => {
    const tenant = await createTenant("ar-xform-bad");
    const bad = await register(tenant, { ...REGISTRATION, transformation: "{{ payload. }}" });
    expect(bad.response.status).toBe(400);
    const [message] = await bad.response.json<ArMessage[]>();
    expect(message).toMatchObject({ messageType: "ERROR" });
    expect(message!.messageAppendedText).toContain("transformation");
    expect(message!.messageAppendedText).toContain("does not parse");

    const { id } = await register(tenant, { ...REGISTRATION, transformation: TEMPLATE });
    const long = await put(tenant, id, { ...REGISTRATION, transformation: `{"a": "${"x".repeat(MAX_TRANSFORMATION_CHARS)}"}` });
    expect(long.status).toBe(400);
    expect((await long.json<ArMessage[]>())[0]!.messageAppendedText).toContain("transformation");
    const unparsed = await put(tenant, id, { ...REGISTRATION, transformation: "{% if %}" });
    expect(unparsed.status).toBe(400);
    expect((await read(tenant, id)).transformation).toBe(TEMPLATE);
  });
});
