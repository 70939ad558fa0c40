/**
 * Workday worker changes pushed by an outbound integration (Studio or an EIB with a REST delivery) on a
 * business process event (Hire, Change Job, Terminate). Workday has no signing scheme of its own for these, so
 * the integration sends a fixed authorization header carrying the secret.
 */
import { headerSecret, jsonObjectTemplate, userPreset } from "./define";

export const workday = userPreset({
  id: "workday",
  name: "Workday worker events",
  docs: "https://doc.workday.com/",
  auth: headerSecret("the integration's static Authorization header value"),
  eventId: { bodyPath: "Event.Event_ID" },
  events: {
    description: "Event.Business_Process_Type Termination (or Terminate) → archive; Hire, Change Job and any other → create (upsert)",
    from: [{ itemPath: "Event.Business_Process_Type" }],
    actions: { Termination: "archive", Terminate: "archive" },
    otherwise: "create",
  },
  syncKeys: ["employee_id", "email"],
  template: jsonObjectTemplate({
    employee_id: "body.Worker.Employee_ID",
    email: "body.Worker.Email_Address",
    first_name: "body.Worker.Legal_Name.First_Name",
    last_name: "body.Worker.Legal_Name.Last_Name",
    job_title: "body.Worker.Business_Title",
    department: "body.Worker.Supervisory_Organization",
    workday_event: "body.Event.Business_Process_Type",
  }),
  sample: {
    headers: { Authorization: "<secret>" },
    body: {
      Event: { Event_ID: "BP-HIRE-000123", Business_Process_Type: "Hire", Effective_Date: "2024-08-12", Completed_On: "2024-08-09T14:22:31.342-07:00" },
      Worker: {
        Worker_ID: "21001",
        Employee_ID: "21001",
        Legal_Name: { First_Name: "Logan", Last_Name: "McNeil" },
        Email_Address: "logan.mcneil@workday.net",
        Business_Title: "Chief Executive Officer",
        Supervisory_Organization: "Global Modern Services",
        Hire_Date: "2024-08-12",
        Active: true,
      },
    },
  },
});
