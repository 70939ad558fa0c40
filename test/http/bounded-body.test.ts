import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, createTenant, tenantUrl } from "../helpers";

const PASSWORD = "service account password";
const MAX_BODY_BYTES = 1024 * 1024;

/** A url-encoded form just over the body limit: a valid login with a long junk field after it. */
const oversizedForm = () => `username=remedy%40example.com&password=${encodeURIComponent(PASSWORD)}&junk=${"a".repeat(MAX_BODY_BYTES)}`;

/** The same bytes streamed with no Content-Length: only reading the stream can find them too large. */
function streamed(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

const post = (slug: string, path: string, body: string | ReadableStream<Uint8Array>) =>
  SELF.fetch(tenantUrl(slug, path), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body, duplex: "half" } as RequestInit);

describe("form bodies are read under MAX_BODY_BYTES before they are parsed or a password is checked", () => {
  it("AR-JWT login: an oversized form is 413 in AR's error array, declared or streamed; a normal one still logs in", async () => {
    const tenant = await createTenant("form-limit");
    await admin(`/admin/v1/tenants/${tenant.slug}/service-accounts`, { method: "POST", json: { email: "remedy@example.com", password: PASSWORD } });
    for (const body of [oversizedForm(), streamed(oversizedForm())]) {
      const response = await post(tenant.slug, "/api/jwt/login", body);
      expect(response.status).toBe(413);
      const [message] = await response.json<{ messageType: string; messageText: string }[]>();
      expect(message).toMatchObject({ messageType: "ERROR" });
      expect(message!.messageText).toMatch(/too large/);
    }
    const fine = await post(tenant.slug, "/api/jwt/login", `username=remedy%40example.com&password=${encodeURIComponent(PASSWORD)}`);
    expect(fine.status).toBe(200);
  });

  it("portal sign-in: an oversized form is 413 before any credential is looked at", async () => {
    const tenant = await createTenant("form-limit-portal");
    const response = await post(tenant.slug, "/portal/login", streamed(oversizedForm()));
    expect(response.status).toBe(413);
    expect(await response.text()).toContain("PAYLOAD_TOO_LARGE");
  });
});
