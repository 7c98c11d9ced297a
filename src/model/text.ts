// Bytes to text, strictly: a manifest is UTF-8, and a byte that is not is reported with its line and
// offset, never replaced by U+FFFD (which would change a name or a label silently). UTF-16 and UTF-32
// (a Windows editor's "Unicode") are named as such and not echoed back.

export type Decoded = { ok: true; text: string } | { ok: false; message: string };

const strict = new TextDecoder("utf-8", { fatal: true });

function utf16Kind(b: Uint8Array): string | undefined {
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return "UTF-32 (little-endian)";
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return "UTF-32 (big-endian)";
  if (b[0] === 0xff && b[1] === 0xfe) return "UTF-16 (little-endian)";
  if (b[0] === 0xfe && b[1] === 0xff) return "UTF-16 (big-endian)";
  // No byte-order mark: ASCII text in UTF-16 has a NUL beside every character.
  if (b.length >= 4 && b[0] !== 0 && b[1] === 0 && b[2] !== 0 && b[3] === 0) return "UTF-16 (little-endian)";
  if (b.length >= 4 && b[0] === 0 && b[1] !== 0 && b[2] === 0 && b[3] !== 0) return "UTF-16 (big-endian)";
  return undefined;
}

/** The offset of the first byte that does not start or continue a well-formed UTF-8 sequence. */
function firstInvalid(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const need = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}

function where(b: Uint8Array, offset: number): string {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) (line++, (start = i + 1));
  return `line ${line}, byte offset ${offset} (column ${offset - start + 1})`;
}

export function decodeText(bytes: Uint8Array): Decoded {
  const wide = utf16Kind(bytes);
  if (wide) return { ok: false, message: `is ${wide}, not UTF-8: convert it first, e.g. iconv -f ${wide.startsWith("UTF-32") ? "UTF-32" : "UTF-16"} -t UTF-8` };
  let text: string;
  try {
    text = strict.decode(bytes);
  } catch {
    const at = firstInvalid(bytes);
    return { ok: false, message: `is not UTF-8: byte 0x${bytes[at]?.toString(16).padStart(2, "0")} at ${where(bytes, at)} is not valid UTF-8 (moat reads UTF-8 only; nothing was replaced)` };
  }
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const offset = new TextEncoder().encode(text.slice(0, nul)).length;
    return { ok: false, message: `holds a NUL byte at ${where(bytes, offset)}: it is not a text file` };
  }
  return { ok: true, text };
}
