/** A field left out reads "is required", whatever its type; other zod messages pass through. */
import { describe, expect, it } from "vitest";
import { call, createTenant, envelope } from "../helpers";

describe("validation messages", () => {
  it("an absent required field is 'is required', an empty one keeps its own message", async () => {
    const tenant = await createTenant();
    const response = await call(tenant.slug, "/v5.0/mgmt/api/v1.0/webhooks/helpdesk/createticket", {
      key: tenant.key,
      json: { requester_email: "john.doe@example.com", title: "" },
    });
    expect(response.status).toBe(400);
    const { error } = await envelope(response);
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details).toEqual(
      expect.arrayContaining([
        { path: "title", message: "is required" },
        { path: "description", message: "is required" },
      ]),
    );
  });
});
