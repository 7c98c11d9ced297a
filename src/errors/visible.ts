// Text from input (names, flags, file contents, a child's stderr) is shown through these before it
// reaches a terminal or a log, so that it cannot move the cursor, clear the screen, start a new line
// or reorder what follows (bidi controls). What is escaped: C0 controls and DEL, C1 controls, the
// line and paragraph separators, zero-width and bidi formatting characters, the BOM and lone
// surrogates. Escapes are \n \r \t \xHH (C0, DEL) and \uXXXX (the rest), so a JSON text stays JSON.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escape(c: string): string {
  const code = c.charCodeAt(0);
  if (NAMED[c]) return NAMED[c]!;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  return `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One string from input, made safe to print inside a line: every control character visible. */
export function visible(text: string): string {
  return text.replace(CONTROL, escape);
}

/** Text moat laid out in lines itself (tables, rules): keeps its newlines and tabs, shows every other control. */
export function visibleLines(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escape);
}

/** Whether a string holds any character that visible() would escape. */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(text);
  CONTROL.lastIndex = 0;
  return found;
}
