/** Colour for terminal output, only when stdout is a terminal (and NO_COLOR is unset), so piped output stays plain. */
const enabled = process.stdout.isTTY === true && !process.env.NO_COLOR;
const wrap = (code: number) => (text: string) => (enabled ? `\u001b[${code}m${text}\u001b[0m` : text);

export const paint = { red: wrap(31), green: wrap(32), dim: wrap(2), bold: wrap(1) };
