/**
 * Golden requests of seed 001 (Cymmetri lifecycle hooks), copied verbatim from the seed's twelve curl
 * examples: the URL, the two headers and the --data-raw body of each. Generated from the seed text; do not edit.
 */
export interface SeedRequest {
  url: string;
  headers: [string, string][];
  body: string;
}

export const SEED_REQUESTS: SeedRequest[] = [
  {
    url: "http://192.168.29.227:8080/webhook/test",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n}",
  },
  {
    url: "https://52.66.206.31:8080/webhook/preCreateUser",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
  {
    url: "http://192.168.1.193:8080/webhook/postCreateUser",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
  {
    url: "http://192.168.1.193:8080/webhook/preUpdateUser",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
  {
    url: "http://192.168.1.193:8080/webhook/postUpdateUser",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
  {
    url: "http://192.168.1.193:8080/webhook/validateUser",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
  {
    url: "http://192.168.1.193:8080/webhook/validateUpdateUser",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
  {
    url: "http://192.168.1.193:8080/webhook/changePassword",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n},\n\"passwordText\" : \"Welcome@123\"\n}\n}",
  },
  {
    url: "http://192.168.1.193:8080/webhook/preProvision",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"policyMap\" : \"email\",\n\"form\" : \"\",\n\"applicationId\" : \"620231fee789224ec1cec3dd\",\n\"roleList\" : [],\n\"action\" : \"Application Create\",\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
  {
    url: "http://192.168.1.193:8080/webhook/postProvision",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"policyMap\" : \"email\",\n\"form\" : \"\",\n\"applicationId\" : \"620231fee789224ec1cec3dd\",\n\"roleList\" : [],\n\"action\" : \"Application Create\",\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n},\n\"isSuccess\" : true,\n\"uid\" : \"5f36283bc193991db0990d3e\"\n}\n}",
  },
  {
    url: "https://52.66.206.31:8080/webhook/policymap",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"targetAttribute\" : \"email\",\n\"cymmetrifield\" : \"email\",\n\"defaultValue\" : \"example@gmail.com\",\n\"formVeriable\" : \"\",\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
  {
    url: "https://52.66.206.31:8080/webhook/runDeprovision",
    headers: [["Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImRlbGVnYXRlZSI6bnVsbCwiZGVsZWdhdGVlSWQiOm51bGwsImZpcnN0TG9naW4iOmZhbHNlLCJyb2xlcyI6WyJPUkdfQURNSU4iLCJVU0VSIl0sInRlbmFudElkIjoiYXMxMDAiLCJleHAiOjE2NDYzOTYzMDgsInVzZXJJZCI6IjYyMTRkYjdiZDY2MWE1NzM4NmE3MWYxMCIsImlhdCI6MTY0NjM5MDMwOH0.bdKZ3UBCedT91bJAWLCo2AOahIs5ClFMAhnj36f_ecQ"], ["Content-Type", "application/json"]],
    body: "{\n\"request\": {\n\"user\": {\n\"assignedGroups\": [],\n\"provisionedApps\": {},\n\"securityQuestion\": {},\n\"country\": \"India\",\n\"firstName\": \"Shreyash2\",\n\"lastName\": \"Pande2\",\n\"login\": \"shreyash2\",\n\"userType\": \"Employee\"\n}\n}\n}",
  },
];
