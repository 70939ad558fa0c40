/**
 * Seed 000: "All other fields are optional but will be included in the first comment of the ticket if they
 * are present." Renders those fields as readable `label: value` lines. Pure.
 */

/** `reported_by_email` -> `Reported by email`. */
export const fieldLabel = (name: string): string => {
  const words = name.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const display = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value));

export function firstComment(fields: Record<string, unknown>): string | null {
  const lines = Object.entries(fields)
    .filter(([, value]) => value !== undefined && value !== null && value !== "")
    .map(([name, value]) => `${fieldLabel(name)}: ${display(value)}`);
  return lines.length === 0 ? null : lines.join("\n");
}
