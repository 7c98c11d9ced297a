// The one door from user text to nft text. nft strings are double-quoted and know no escapes at all
// (a backslash or a quote inside ends or breaks the string), so an allow-list: anything else becomes "_".

// One "_" per code point outside the list (the u flag keeps a surrogate pair one character).
const NOT_ALLOWED = /[^A-Za-z0-9 ._:/=,!&|(){}<>@+-]/gu;

export function escapeNft(text: string, max: number): string {
  let out = text.replace(NOT_ALLOWED, "_");
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? out.slice(0, max) : out;
}

/** A quoted nft string of user text, at most max characters inside the quotes. */
export const nftString = (text: string, max: number) => `"${escapeNft(text, max)}"`;
