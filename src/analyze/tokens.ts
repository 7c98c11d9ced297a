// Shell-like splitting of one line: whitespace separates words, '...' and "..." quote (with \" and \\
// inside double quotes, as iptables-save prints them), and # starts a comment at the start of a word.
export type Tokenized = { ok: true; words: string[] } | { ok: false; message: string };

export function tokenize(line: string): Tokenized {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i]!)) i++;
    if (i >= n) break;
    if (line[i] === "#") break;
    let word = "";
    while (i < n && !/\s/.test(line[i]!)) {
      const ch = line[i]!;
      if (ch === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) return { ok: false, message: "a closing ' for the quote opened here" };
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '"') {
        i++;
        let closed = false;
        while (i < n) {
          const c = line[i]!;
          if (c === "\\" && i + 1 < n && /["\\$`]/.test(line[i + 1]!)) {
            word += line[i + 1];
            i += 2;
          } else if (c === '"') {
            closed = true;
            i++;
            break;
          } else {
            word += c;
            i++;
          }
        }
        if (!closed) return { ok: false, message: 'a closing " for the quote opened here' };
      } else if (ch === "\\" && i + 1 < n) {
        word += line[i + 1];
        i += 2;
      } else {
        word += ch;
        i++;
      }
    }
    words.push(word);
  }
  return { ok: true, words };
}

/** Joins lines ending in a backslash with the next; each logical line keeps the number of its first. */
export function logicalLines(text: string): { line: number; text: string }[] {
  const raw = text.split(/\r?\n/);
  const out: { line: number; text: string }[] = [];
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let t = raw[i]!;
    while (/\\$/.test(t) && !/^\s*#/.test(t) && i + 1 < raw.length) t = t.slice(0, -1) + " " + raw[++i]!;
    out.push({ line: start + 1, text: t });
  }
  return out;
}
