// The one door from user text to iptables and ipset text.

const ALLOWED = /[A-Za-z0-9 ._:/=,!&|(){}<>@+-]/;

/**
 * An allow-list, so quotes, backslashes, newlines and other control characters can never reach
 * iptables-restore; anything else becomes "_".
 */
export function escapeText(text: string, max: number): string {
  let out = "";
  for (const ch of text) out += ALLOWED.test(ch) ? ch : "_";
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? out.slice(0, max) : out;
}

// iptables-save (xtables_save_string) leaves only [A-Za-z0-9_-] bare and quotes the rest; print the same,
// or a rule never compares equal to what the kernel reads back.
export const quote = (text: string) => (/^[A-Za-z0-9_-]+$/.test(text) ? text : `"${text}"`);
