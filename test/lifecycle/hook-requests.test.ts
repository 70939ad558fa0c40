import { describe, expect, it } from "vitest";
import { lifecycleHookNames, type LifecycleHookName } from "../../src/db/schema/lifecycle-hooks";
import { buildHookRequest, fromCymmetriUser, toCymmetriUser, type HookCall } from "../../src/lifecycle/hook-requests";
import { parseHookAnswer } from "../../src/lifecycle/hook-answers";
import { SEED_REQUESTS } from "./seed-001-golden";

/** The seed's user, as the User form stores it (canonical snake_case names). */
const SEED_USER = { first_name: "Shreyash2", last_name: "Pande2", login: "shreyash2", country: "India", user_type: "Employee" };

/** The hook call that should reproduce a seed request, built from the seed body's non-user fields. */
interface SeedFields {
  passwordText: string;
  policyMap: string;
  form: string;
  applicationId: string;
  roleList: unknown[];
  action: string;
  isSuccess: boolean;
  uid: string;
  targetAttribute: string;
  cymmetrifield: string;
  defaultValue: string;
  formVeriable: string;
}

function callFor(hook: LifecycleHookName, seedBody: { request?: SeedFields }): HookCall {
  const request = seedBody.request!;
  switch (hook) {
    case "test":
      return { hook };
    case "changePassword":
      return { hook, user: SEED_USER, passwordText: request.passwordText };
    case "preProvision":
    case "postProvision": {
      const provision = { policyMap: request.policyMap, form: request.form, applicationId: request.applicationId, roleList: request.roleList, action: request.action };
      return hook === "preProvision" ? { hook, user: SEED_USER, provision } : { hook, user: SEED_USER, provision, isSuccess: request.isSuccess, uid: request.uid };
    }
    case "policyMap":
      return { hook, user: SEED_USER, policy: { targetAttribute: request.targetAttribute, cymmetrifield: request.cymmetrifield, defaultValue: request.defaultValue, formVeriable: request.formVeriable } };
    default:
      return { hook, user: SEED_USER };
  }
}

describe("the twelve hook requests, golden from seed 001", () => {
  it("the seed has one curl example per hook name", () => {
    const names = SEED_REQUESTS.map((seed) => seed.url.split("/").pop()!.toLowerCase());
    expect(names.sort()).toEqual(lifecycleHookNames.map((name) => name.toLowerCase()).sort());
  });

  for (const seed of SEED_REQUESTS) {
    const segment = seed.url.split("/").pop()!;
    const hook = lifecycleHookNames.find((name) => name.toLowerCase() === segment.toLowerCase())!;
    it(`${hook}: URL, headers and body byte for byte`, () => {
      const baseUrl = seed.url.slice(0, seed.url.length - segment.length - 1);
      const token = seed.headers.find(([name]) => name === "Authorization")![1].replace(/^Bearer /, "");
      const request = buildHookRequest({ baseUrl, token }, callFor(hook, JSON.parse(seed.body)));
      // The seed's policyMap curl writes the path in lower case; the hook list (and every other curl) uses the hook's name.
      expect(request.url).toBe(`${baseUrl}/${hook}`);
      expect(request.url.toLowerCase()).toBe(seed.url.toLowerCase());
      expect(Object.entries(request.headers)).toEqual(seed.headers.map(([name, value]) => [name.toLowerCase(), value]));
      expect(request.body).toBe(JSON.stringify(JSON.parse(seed.body)));
    });
  }

  it("a trailing slash on the base URL is not doubled", () => {
    expect(buildHookRequest({ baseUrl: "https://h.example/webhook/", token: "t" }, { hook: "test" }).url).toBe("https://h.example/webhook/test");
  });
});

describe("user mapping", () => {
  const hrUser = { employee_id: "1111", first_name: "Ann", last_name: "Lee", email: "ann@corp.example", mobile: "+1 555 0100", display_name: "Ann Lee", department: "Sales" };

  it("maps the canonical HR user to the seed's names, login from the email, secrets dropped", () => {
    expect(toCymmetriUser({ ...hrUser, password: "hunter2", passwordText: "x" })).toEqual({
      assignedGroups: [],
      provisionedApps: {},
      securityQuestion: {},
      firstName: "Ann",
      lastName: "Lee",
      login: "ann@corp.example",
      userType: "Employee",
      email: "ann@corp.example",
      mobile: "+1 555 0100",
      displayName: "Ann Lee",
      employeeId: "1111",
      department: "Sales",
    });
  });

  it("writes back only what the tenant changed, under canonical names; null removes", () => {
    const sent = toCymmetriUser(hrUser);
    const returned = { ...sent, firstName: "Anne", mobile: null, country: "India", extra: 1 };
    delete (returned as Record<string, unknown>).email;
    expect(fromCymmetriUser(hrUser, sent, returned)).toEqual({
      employee_id: "1111",
      first_name: "Anne",
      last_name: "Lee",
      email: "ann@corp.example",
      display_name: "Ann Lee",
      department: "Sales",
      country: "India",
      extra: 1,
    });
    expect(fromCymmetriUser(hrUser, sent, sent)).toEqual(hrUser);
  });
});

describe("synchronous answers (seed 001 responses)", () => {
  it("reads each kind of answer the seed shows", () => {
    expect(parseHookAnswer(200, '{ "response": {} }')).toEqual({ kind: "accepted" });
    expect(parseHookAnswer(200, JSON.stringify({ response: { data: { firstName: "Shreyash2", login: "shreyash2" } } }))).toEqual({
      kind: "user",
      user: { firstName: "Shreyash2", login: "shreyash2" },
    });
    expect(parseHookAnswer(200, '{"response":{"error":true,"message":"MobileAlreadyExist"}}')).toEqual({ kind: "rejected", message: "MobileAlreadyExist" });
    expect(parseHookAnswer(200, '{"response":{"mappedValue":"valid"}}')).toEqual({ kind: "mapped_value", value: "valid" });
    expect(parseHookAnswer(200, '{"response":{"data":true}}')).toEqual({ kind: "flag", value: true });
  });

  it("a 4xx carrying the error envelope is a rejection (onePortal); other failures are not answers", () => {
    expect(parseHookAnswer(400, '{"response":{"error":true,"message":"EmailAlreadyExist"}}')).toEqual({ kind: "rejected", message: "EmailAlreadyExist" });
    expect(parseHookAnswer(200, '{"response":{"error":true}}')).toMatchObject({ kind: "rejected" });
    expect(parseHookAnswer(500, '{"response":{"error":true,"message":"x"}}')).toEqual({ kind: "invalid", reason: "answered 500" });
    expect(parseHookAnswer(400, "bad")).toEqual({ kind: "invalid", reason: "answered 400" });
    expect(parseHookAnswer(200, "<html>")).toMatchObject({ kind: "invalid" });
    expect(parseHookAnswer(200, "")).toMatchObject({ kind: "invalid" });
    expect(parseHookAnswer(200, '{"ok":true}')).toMatchObject({ kind: "invalid" });
    expect(parseHookAnswer(200, '{"response":{"data":"yes"}}')).toMatchObject({ kind: "invalid" });
  });
});
