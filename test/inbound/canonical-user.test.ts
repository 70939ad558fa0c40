import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  addUserBodySchema,
  defaultDisplayName,
  deleteUserBodySchema,
  employeeIdSchema,
  hrBodySchemas,
  modifyUserBodySchema,
} from "../../src/inbound/optimalcloud/canonical-user";
import { validationDetails } from "../../src/http/validation";

/**
 * The seed 000 generic HR example, fixed: the seed has a trailing comma (not JSON) and "John" as email and
 * mobile. Same fields, valid values.
 */
const SEED_USER = {
  employee_id: "1111",
  first_name: "John",
  last_name: "Doe",
  email: "john.doe@optimalidm.com",
  mobile: "+1 312 555 0100",
  display_name: "John Doe",
};

function failures(schema: z.ZodType, body: unknown) {
  const result = schema.safeParse(body);
  expect(result.success).toBe(false);
  return result.success ? [] : validationDetails(result.error);
}

describe("the seed example itself", () => {
  it("is not JSON as printed (trailing comma)", () => {
    const printed = `{
    "employee_id": "1111",
    "first_name": "John",
    "last_name": "Doe",
    "email": "John",
    "mobile": "John",
    "display_name": "John Doe",
}`;
    expect(() => JSON.parse(printed)).toThrow(SyntaxError);
  });

  it("is refused for its email once the comma is fixed", () => {
    const body = { ...SEED_USER, email: "John", mobile: "John" };
    expect(failures(addUserBodySchema, body)).toEqual([{ path: "email", message: "must be a valid email address" }]);
  });
});

describe("employeeIdSchema: employee_id is always a string", () => {
  it.each([
    ["a string", "1111", "1111"],
    ["a string with spaces", " E-42 ", "E-42"],
    ["a number", 1111, "1111"],
    ["zero", 0, "0"],
    ["leading zeros kept in a string", "000123", "000123"],
  ])("accepts %s", (_, raw, expected) => {
    expect(employeeIdSchema.parse(raw)).toBe(expected);
  });

  it.each([
    ["undefined", undefined, "is required"],
    ["null", null, "is required"],
    ["blank", "  ", "is required"],
    ["a fraction", 11.5, "must be a string or a whole number"],
    ["a negative number", -1, "must be a string or a whole number"],
    ["an unsafe integer", 2 ** 53, "must be a string or a whole number"],
    ["NaN", Number.NaN, "must be a string or a whole number"],
    ["a boolean", true, "must be a string or a whole number"],
    ["an object", { id: 1 }, "must be a string or a whole number"],
  ])("refuses %s", (_, raw, message) => {
    expect(failures(employeeIdSchema, raw)).toEqual([{ path: "(body)", message }]);
  });
});

describe("adduser", () => {
  it("parses the fixed seed example to the canonical user", () => {
    expect(addUserBodySchema.parse(SEED_USER)).toStrictEqual(SEED_USER);
  });

  it.each([
    ["left out", {}],
    ["null", { display_name: null }],
    ["blank", { display_name: "  " }],
  ])("fills display_name with first and last name when it is %s", (_, displayName) => {
    const { display_name: _sent, ...rest } = SEED_USER;
    expect(addUserBodySchema.parse({ ...rest, ...displayName }).display_name).toBe("John Doe");
  });

  it("keeps a display_name that was sent", () => {
    expect(addUserBodySchema.parse({ ...SEED_USER, display_name: "Johnny D." }).display_name).toBe("Johnny D.");
  });

  it.each([
    ["left out", undefined],
    ["null", null],
    ["blank", ""],
  ])("leaves mobile out when it is %s", (_, mobile) => {
    const user = addUserBodySchema.parse({ ...SEED_USER, mobile });
    expect(user).not.toHaveProperty("mobile");
  });

  it("turns a numeric employee_id into a string", () => {
    expect(addUserBodySchema.parse({ ...SEED_USER, employee_id: 1111 }).employee_id).toBe("1111");
  });

  it("trims the text fields", () => {
    const user = addUserBodySchema.parse({ ...SEED_USER, first_name: " John ", last_name: "Doe\n", email: " john.doe@optimalidm.com " });
    expect(user).toMatchObject({ first_name: "John", last_name: "Doe", email: "john.doe@optimalidm.com" });
  });

  it("keeps unknown fields", () => {
    const user = addUserBodySchema.parse({ ...SEED_USER, department: "IT", manager: { employee_id: "7" } });
    expect(user.department).toBe("IT");
    expect(user.manager).toEqual({ employee_id: "7" });
  });

  it.each([
    ["employee_id missing", { employee_id: undefined }, [{ path: "employee_id", message: "is required" }]],
    ["first_name missing", { first_name: undefined }, [{ path: "first_name", message: "is required" }]],
    ["first_name blank", { first_name: " " }, [{ path: "first_name", message: "is required" }]],
    ["last_name null", { last_name: null }, [{ path: "last_name", message: "is required" }]],
    ["last_name a number", { last_name: 7 }, [{ path: "last_name", message: "must be a string" }]],
    ["first_name a number", { first_name: 7 }, [{ path: "first_name", message: "must be a string" }]],
    ["email missing", { email: undefined }, [{ path: "email", message: "is required" }]],
    ["email invalid", { email: "john.doe@" }, [{ path: "email", message: "must be a valid email address" }]],
    ["mobile a number", { mobile: 3125550100 }, [{ path: "mobile", message: "must be a string" }]],
  ])("refuses %s", (_, change, expected) => {
    expect(failures(addUserBodySchema, { ...SEED_USER, ...change })).toEqual(expected);
  });

  it("reports every bad field at once", () => {
    expect(failures(addUserBodySchema, { mobile: 1 }).map((detail) => detail.path)).toEqual([
      "employee_id",
      "first_name",
      "last_name",
      "email",
      "mobile",
    ]);
  });
});

describe("modifyuser", () => {
  it.each([
    ["only the id", { employee_id: "1111" }, { employee_id: "1111" }],
    ["a numeric id", { employee_id: 1111 }, { employee_id: "1111" }],
    ["a new email", { employee_id: "1111", email: "jd@optimalidm.com" }, { employee_id: "1111", email: "jd@optimalidm.com" }],
    ["a new last name", { employee_id: "1111", last_name: " Smith " }, { employee_id: "1111", last_name: "Smith" }],
    ["mobile removed with null", { employee_id: "1111", mobile: null }, { employee_id: "1111", mobile: null }],
    ["mobile removed with blank", { employee_id: "1111", mobile: " " }, { employee_id: "1111", mobile: null }],
    ["a new mobile", { employee_id: "1111", mobile: "+1 312 555 0101" }, { employee_id: "1111", mobile: "+1 312 555 0101" }],
    ["an unknown field", { employee_id: "1111", department: "HR" }, { employee_id: "1111", department: "HR" }],
    ["every field", SEED_USER, SEED_USER],
  ])("takes %s", (_, body, expected) => {
    expect(modifyUserBodySchema.parse(body)).toStrictEqual(expected);
  });

  it("does not invent a display_name", () => {
    expect(modifyUserBodySchema.parse({ employee_id: "1", first_name: "Jane" })).not.toHaveProperty("display_name");
  });

  it.each([
    ["no employee_id", { email: "a@example.com" }, [{ path: "employee_id", message: "is required" }]],
    ["a blank first_name", { employee_id: "1", first_name: "" }, [{ path: "first_name", message: "must not be blank" }]],
    ["a null last_name", { employee_id: "1", last_name: null }, [{ path: "last_name", message: "cannot be removed" }]],
    ["a numeric first_name", { employee_id: "1", first_name: 7 }, [{ path: "first_name", message: "must be a string" }]],
    ["a blank display_name", { employee_id: "1", display_name: " " }, [{ path: "display_name", message: "must not be blank" }]],
    ["an invalid email", { employee_id: "1", email: "John" }, [{ path: "email", message: "must be a valid email address" }]],
    ["a blank email", { employee_id: "1", email: "" }, [{ path: "email", message: "must not be blank" }]],
  ])("refuses %s", (_, body, expected) => {
    expect(failures(modifyUserBodySchema, body)).toEqual(expected);
  });
});

describe("deleteuser", () => {
  it.each([
    ["the id", { employee_id: "1111" }, { employee_id: "1111" }],
    ["a numeric id", { employee_id: 1111 }, { employee_id: "1111" }],
    ["other fields, unchecked", { employee_id: "1111", email: "John", reason: 3 }, { employee_id: "1111", email: "John", reason: 3 }],
  ])("takes %s", (_, body, expected) => {
    expect(deleteUserBodySchema.parse(body)).toStrictEqual(expected);
  });

  it.each([
    ["no employee_id", {}, "is required"],
    ["a blank employee_id", { employee_id: "" }, "is required"],
    ["a fractional employee_id", { employee_id: 1.5 }, "must be a string or a whole number"],
  ])("refuses %s", (_, body, message) => {
    expect(failures(deleteUserBodySchema, body)).toEqual([{ path: "employee_id", message }]);
  });
});

describe("hrBodySchemas and defaultDisplayName", () => {
  it("has one schema per HR webhook URL", () => {
    expect(Object.keys(hrBodySchemas)).toEqual(["adduser", "modifyuser", "deleteuser"]);
    expect(hrBodySchemas.adduser).toBe(addUserBodySchema);
  });

  it("joins first and last name with a space", () => {
    expect(defaultDisplayName("Jane", "Doe")).toBe("Jane Doe");
  });
});
