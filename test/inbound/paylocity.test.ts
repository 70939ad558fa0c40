import { describe, expect, it } from "vitest";
import {
  PAYLOCITY_EVENT_TYPES,
  PAYLOCITY_FIELD_MAP,
  PAYLOCITY_UNMAPPED_FIELDS,
  mapPaylocity,
  paylocityEmployeeChangeSchema,
  paylocityNewHireSchema,
  paylocityTerminationSchema,
  withDocumentedKeyCasing,
} from "../../src/inbound/optimalcloud/paylocity";
import { addUserBodySchema } from "../../src/inbound/optimalcloud/canonical-user";
import { validationDetails } from "../../src/http/validation";

/** Paylocity's documented New Hire webhook sample (developer.paylocity.com, "New Hire Webhooks"). */
const NEW_HIRE = {
  companyId: "C01",
  companyName: "Garner Group",
  employeeAddressLine1: "1060 W Addison St",
  employeeAddressLine2: "",
  employeeBadgeClockNumber: "4321",
  employeeCity: "Chicago",
  employeeCostCenter1: "11 - Software Development",
  employeeCostCenter2: "22 - Director 2",
  employeeCostCenter3: "33 - Team 3",
  employeeEEOClass: "Software Developer II",
  employeeFirstName: "Jane",
  employeeGender: "Female",
  employeeHireDate: "2015-10-14T00:00:00Z",
  employeeId: "12345",
  employeeJobTitle: "Software Developer",
  employeeLastName: "Doe",
  employeeMaritalStatus: "Single",
  employeeMiddleInitial: "R",
  employeePayFrequency: "B",
  employeePayType: "Salary",
  employeePosition: "Developer",
  employeeState: "IL",
  employeeSupervisor: "",
  employeeSupervisorId: "15",
  employeeType: "Regular Full Time",
  employeeWorkEMailAddress: "jdoe@work.com",
  employeeWorkPhone: "(800) 555-1212",
  employeeZip: "60613",
  employeeTaxForm: "W2",
};

/** Employee Change webhook: "The JSON message sent consists of companyid and employeeid." */
const EMPLOYEE_CHANGE = { companyId: "C01", employeeId: "12345" };

/** Paylocity's documented Termination webhook sample. */
const TERMINATION = {
  companyId: "C01",
  employeeCostCenter1: "11 - Software Development",
  employeeCostCenter2: "22 - Director 2",
  employeeCostCenter3: "33 - Team 3",
  employeeFirstName: "Jane",
  employeeId: "12345",
  employeeLastName: "Doe",
  employeeMiddleInitial: "R",
  employeeWorkEMailAddress: "jdoe@work.com",
  employeeTerminationDate: "2015-09-30T00:00:00Z",
};

function mapped(body: unknown, action: "adduser" | "modifyuser" | "deleteuser") {
  const result = mapPaylocity(body, action);
  if (!result.success) throw new Error(`expected success: ${JSON.stringify(validationDetails(result.error))}`);
  return result.data;
}

function failures(body: unknown, action: "adduser" | "modifyuser" | "deleteuser") {
  const result = mapPaylocity(body, action);
  expect(result.success).toBe(false);
  return result.success ? [] : validationDetails(result.error);
}

describe("new hire -> adduser", () => {
  it("maps the documented sample to a whole canonical user", () => {
    expect(mapped(NEW_HIRE, "adduser")).toStrictEqual({
      kind: "user",
      eventType: "new_hire",
      companyId: "C01",
      employeeId: "12345",
      user: {
        employee_id: "12345",
        first_name: "Jane",
        last_name: "Doe",
        email: "jdoe@work.com",
        display_name: "Jane Doe",
        middle_initial: "R",
        company_id: "C01",
        company_name: "Garner Group",
        job_title: "Software Developer",
        position: "Developer",
        employee_type: "Regular Full Time",
        hire_date: "2015-10-14T00:00:00Z",
        supervisor_employee_id: "15",
        work_phone: "(800) 555-1212",
        badge_number: "4321",
        cost_center_1: "11 - Software Development",
        cost_center_2: "22 - Director 2",
        cost_center_3: "33 - Team 3",
      },
    });
  });

  it("gives a user the generic adduser schema accepts as is", () => {
    const result = mapped(NEW_HIRE, "adduser");
    if (result.kind !== "user") throw new Error("expected a user");
    expect(addUserBodySchema.parse(result.user)).toStrictEqual(result.user);
  });

  const sentUnmapped = PAYLOCITY_UNMAPPED_FIELDS.filter((field) => NEW_HIRE[field] !== "");
  it.each(sentUnmapped)("does not carry %s (home address, demographics, pay) into the user", (field) => {
    const result = mapped(NEW_HIRE, "adduser");
    if (result.kind !== "user") throw new Error("expected a user");
    expect(Object.values(result.user)).not.toContain(NEW_HIRE[field]);
  });

  it("does not carry fields Paylocity does not document", () => {
    const result = mapped({ ...NEW_HIRE, employeeSsn: "123-45-6789" }, "adduser");
    if (result.kind !== "user") throw new Error("expected a user");
    expect(JSON.stringify(result.user)).not.toContain("123-45-6789");
  });

  it.each([
    ["no work email", { employeeWorkEMailAddress: undefined }, ["employeeWorkEMailAddress"]],
    ["a null work email", { employeeWorkEMailAddress: null }, ["employeeWorkEMailAddress"]],
    ["a blank work email", { employeeWorkEMailAddress: "  " }, ["employeeWorkEMailAddress"]],
    ["no first name", { employeeFirstName: null }, ["employeeFirstName"]],
    ["no names", { employeeFirstName: "", employeeLastName: null }, ["employeeFirstName", "employeeLastName"]],
    [
      "only ids",
      { ...Object.fromEntries(Object.keys(NEW_HIRE).map((key) => [key, undefined])), ...EMPLOYEE_CHANGE },
      ["employeeFirstName", "employeeLastName", "employeeWorkEMailAddress"],
    ],
  ])("stores ids only when the new hire has %s", (_, change, missing) => {
    expect(mapped({ ...NEW_HIRE, ...change }, "adduser")).toStrictEqual({
      kind: "ids-only",
      eventType: "new_hire",
      companyId: "C01",
      employeeId: "12345",
      missing,
    });
  });

  it.each([
    ["employeeId missing", { employeeId: undefined }, [{ path: "employeeId", message: "is required" }]],
    ["employeeId blank", { employeeId: " " }, [{ path: "employeeId", message: "is required" }]],
    ["companyId missing", { companyId: undefined }, [{ path: "companyId", message: "is required" }]],
    ["work email invalid", { employeeWorkEMailAddress: "jdoe" }, [{ path: "employeeWorkEMailAddress", message: "must be a valid email address" }]],
    ["first name a number", { employeeFirstName: 7 }, [{ path: "employeeFirstName", message: "must be a string" }]],
    ["supervisor id a boolean", { employeeSupervisorId: true }, [{ path: "employeeSupervisorId", message: "must be a string or a number" }]],
  ])("refuses %s", (_, change, expected) => {
    expect(failures({ ...NEW_HIRE, ...change }, "adduser")).toEqual(expected);
  });

  it("refuses a body that is not an object", () => {
    expect(failures("C01,12345", "adduser")).toEqual([{ path: "(body)", message: "Invalid input: expected object, received string" }]);
  });
});

describe("employee change -> modifyuser", () => {
  it("maps the documented ids-only payload to ids-only", () => {
    expect(mapped(EMPLOYEE_CHANGE, "modifyuser")).toStrictEqual({
      kind: "ids-only",
      eventType: "employee_change",
      companyId: "C01",
      employeeId: "12345",
      missing: [],
    });
  });

  it.each([
    ["lowercase keys, as Paylocity's page words it", { companyid: "C01", employeeid: "12345" }],
    ["a numeric employee id", { companyId: "C01", employeeId: 12345 }],
    ["null details", { ...EMPLOYEE_CHANGE, employeeFirstName: null, employeeWorkEMailAddress: "" }],
    ["an undocumented field", { ...EMPLOYEE_CHANGE, changedFields: ["LastName"] }],
  ])("still ids-only with %s", (_, body) => {
    expect(mapped(body, "modifyuser")).toMatchObject({ kind: "ids-only", companyId: "C01", employeeId: "12345" });
  });

  it.each([
    ["a new last name", { employeeLastName: "Smith" }, { employee_id: "12345", company_id: "C01", last_name: "Smith" }],
    [
      "both names, so a display name",
      { employeeFirstName: "Jane", employeeLastName: "Smith" },
      { employee_id: "12345", company_id: "C01", first_name: "Jane", last_name: "Smith", display_name: "Jane Smith" },
    ],
    ["a new work email", { employeeWorkEMailAddress: "jsmith@work.com" }, { employee_id: "12345", company_id: "C01", email: "jsmith@work.com" }],
    ["a new cost center", { employeeCostCenter1: "12 - QA" }, { employee_id: "12345", company_id: "C01", cost_center_1: "12 - QA" }],
  ])("maps details to changes: %s", (_, details, user) => {
    expect(mapped({ ...EMPLOYEE_CHANGE, ...details }, "modifyuser")).toStrictEqual({
      kind: "user",
      eventType: "employee_change",
      companyId: "C01",
      employeeId: "12345",
      user,
    });
  });

  it.each([
    ["no employee id", { companyId: "C01" }, [{ path: "employeeId", message: "is required" }]],
    ["no company id", { employeeId: "12345" }, [{ path: "companyId", message: "is required" }]],
    ["neither", {}, [{ path: "companyId", message: "is required" }, { path: "employeeId", message: "is required" }]],
    ["a fractional employee id", { companyId: "C01", employeeId: 1.5 }, [{ path: "employeeId", message: "must be a string or a whole number" }]],
    ["an invalid work email", { ...EMPLOYEE_CHANGE, employeeWorkEMailAddress: "jdoe@" }, [{ path: "employeeWorkEMailAddress", message: "must be a valid email address" }]],
  ])("refuses %s", (_, body, expected) => {
    expect(failures(body, "modifyuser")).toEqual(expected);
  });
});

describe("termination -> deleteuser", () => {
  it("maps the documented sample to the removal of the user", () => {
    expect(mapped(TERMINATION, "deleteuser")).toStrictEqual({
      kind: "user",
      eventType: "termination",
      companyId: "C01",
      employeeId: "12345",
      user: {
        employee_id: "12345",
        company_id: "C01",
        first_name: "Jane",
        last_name: "Doe",
        display_name: "Jane Doe",
        middle_initial: "R",
        email: "jdoe@work.com",
        termination_date: "2015-09-30T00:00:00Z",
        cost_center_1: "11 - Software Development",
        cost_center_2: "22 - Director 2",
        cost_center_3: "33 - Team 3",
      },
    });
  });

  it("maps ids alone to ids-only", () => {
    expect(mapped(EMPLOYEE_CHANGE, "deleteuser")).toStrictEqual({
      kind: "ids-only",
      eventType: "termination",
      companyId: "C01",
      employeeId: "12345",
      missing: [],
    });
  });

  it.each([
    ["an invalid work email", { employeeWorkEMailAddress: "jdoe" }, { email: "jdoe" }],
    ["a boolean first name", { employeeFirstName: true }, { first_name: undefined }],
    ["a numeric supervisor id", { employeeSupervisorId: 15 }, { supervisor_employee_id: "15" }],
    ["an object as termination date", { employeeTerminationDate: { date: "2015-09-30" } }, { termination_date: undefined }],
  ])("is never refused for a detail: %s", (_, change, expected) => {
    const result = mapped({ ...TERMINATION, ...change }, "deleteuser");
    expect(result.kind).toBe("user");
    if (result.kind !== "user") return;
    for (const [field, value] of Object.entries(expected)) expect(result.user[field]).toBe(value);
  });

  it.each([
    ["no employee id", { ...TERMINATION, employeeId: undefined }, "employeeId"],
    ["no company id", { ...TERMINATION, companyId: null }, "companyId"],
  ])("is refused only for its ids: %s", (_, body, path) => {
    expect(failures(body, "deleteuser")).toEqual([{ path, message: "is required" }]);
  });
});

describe("withDocumentedKeyCasing", () => {
  it.each([
    ["lowercase ids", { companyid: "C01", employeeid: "1" }, { companyId: "C01", employeeId: "1" }],
    ["EMail spelled Email", { employeeWorkEmailAddress: "a@b.co" }, { employeeWorkEMailAddress: "a@b.co" }],
    ["documented spelling already present wins", { employeeId: "1", EMPLOYEEID: "2" }, { employeeId: "1", EMPLOYEEID: "2" }],
    ["unknown keys untouched", { Foo: 1 }, { Foo: 1 }],
  ])("%s", (_, body, expected) => {
    expect(withDocumentedKeyCasing(body)).toStrictEqual(expected);
  });

  it.each([null, "text", 7, [1, 2]])("passes %j through", (body) => {
    expect(withDocumentedKeyCasing(body)).toStrictEqual(body);
  });

  it("lets a new hire with Paylocity's other spelling of the email become a user", () => {
    const { employeeWorkEMailAddress, ...rest } = NEW_HIRE;
    expect(mapped({ ...rest, employeeWorkEmailAddress: employeeWorkEMailAddress }, "adduser").kind).toBe("user");
  });
});

describe("tables and schemas", () => {
  it("has one Paylocity event type per HR action", () => {
    expect(PAYLOCITY_EVENT_TYPES).toEqual({ adduser: "new_hire", modifyuser: "employee_change", deleteuser: "termination" });
  });

  it("maps every documented field to a distinct canonical field, or leaves it out on purpose", () => {
    const canonical = Object.values(PAYLOCITY_FIELD_MAP);
    expect(new Set(canonical).size).toBe(canonical.length);
    for (const field of Object.keys(NEW_HIRE)) {
      const known = field in PAYLOCITY_FIELD_MAP || (PAYLOCITY_UNMAPPED_FIELDS as readonly string[]).includes(field);
      expect(known, field).toBe(true);
    }
  });

  it.each([
    ["new hire", paylocityNewHireSchema, NEW_HIRE],
    ["employee change", paylocityEmployeeChangeSchema, EMPLOYEE_CHANGE],
    ["termination", paylocityTerminationSchema, TERMINATION],
  ])("the %s schema accepts its documented sample and keeps the ids as strings", (_, schema, sample) => {
    expect(schema.parse(sample)).toMatchObject({ companyId: "C01", employeeId: "12345" });
  });
});
