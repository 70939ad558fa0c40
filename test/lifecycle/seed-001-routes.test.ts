/**
 * Seed 001's four hooks that only the users routes fire (changePassword, policyMap, preProvision, postProvision),
 * each produced by a real request and compared byte for byte, at a local receiver, with the seed's curl example.
 */
import { afterEach, describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers";
import { startReceiver, type Received, type Receiver } from "../delivery/harness";
import { SEED_REQUESTS } from "./seed-001-golden";
import { configureHooks, createUser, hookOf, waitFor } from "./user-harness";

let receiver: Receiver | null = null;
afterEach(() => receiver?.restore());

/** The seed's user, as the User form stores it (canonical names). */
const SEED_USER = { first_name: "Shreyash2", last_name: "Pande2", login: "shreyash2", country: "India", user_type: "Employee" };
const seedFor = (hook: string) => SEED_REQUESTS.find((seed) => hookOf(seed.url).toLowerCase() === hook.toLowerCase())!;
const SEED_TOKEN = seedFor("changePassword").headers[0]![1].replace(/^Bearer /, "");

function expectSeedRequest(received: Received, hook: string): void {
  const seed = seedFor(hook);
  expect(hookOf(received.url)).toBe(hook);
  for (const [name, value] of seed.headers) expect(received.headers.get(name)).toBe(value);
  // The seed's bodies are pretty-printed in its curl examples; the bytes sent are their compact JSON.
  expect(received.body).toBe(JSON.stringify(JSON.parse(seed.body)));
}

describe("seed 001 requests from the users routes, golden", () => {
  it("changePassword, policyMap, preProvision and postProvision match the seed byte for byte", async () => {
    receiver = startReceiver((request) => {
      const body = request.json.request as { user: unknown };
      if (hookOf(request.url) === "policyMap") return Response.json({ response: { mappedValue: "valid" } });
      if (hookOf(request.url) === "preProvision") return Response.json({ response: { data: body.user } });
      return new Response(null, { status: 204 });
    });
    const tenant = await createTenant("seed-users");
    await configureHooks(tenant, receiver, ["changePassword", "policyMap", "preProvision", "postProvision"], {}, SEED_TOKEN);
    const id = await createUser(tenant, SEED_USER);

    expect((await call(tenant.slug, `/api/v1/users/${id}/password`, { key: tenant.key, json: { passwordText: "Welcome@123" } })).status).toBe(202);
    await waitFor(() => receiver!.received.length === 1);
    expectSeedRequest(receiver.received[0]!, "changePassword");

    const provisioning = await call(tenant.slug, `/api/v1/users/${id}/provisioning`, {
      key: tenant.key,
      json: { applicationId: "620231fee789224ec1cec3dd", roleList: [], action: "add", policyMap: { targetAttribute: "email", cymmetrifield: "email", defaultValue: "example@gmail.com", formVeriable: "" } },
    });
    expect(provisioning.status).toBe(201);
    expectSeedRequest(receiver.received[1]!, "policyMap");
    expectSeedRequest(receiver.received[2]!, "preProvision");

    const { provisioningId } = await provisioning.json<{ provisioningId: string }>();
    const result = await call(tenant.slug, `/api/v1/users/${id}/provisioning/${provisioningId}/result`, { key: tenant.key, json: { isSuccess: true, uid: "5f36283bc193991db0990d3e" } });
    expect(result.status).toBe(202);
    await waitFor(() => receiver!.received.length === 4);
    expectSeedRequest(receiver.received[3]!, "postProvision");
  });
});
