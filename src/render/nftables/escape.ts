// The one door from user text to nft text. nft strings are double-quoted and know no escapes at all
// (a backslash or a quote inside ends or breaks the string), so an allow-list: anything else becomes "_".

const ALLOWED = /[A-Za-z0-9 ._:/=,!&|(){}<>@+-]/;

export function escapeNft(text: string, max: number): string {
  let out = "";
  for (const ch of text) out += ALLOWED.test(ch) ? ch : "_";
  out = out.replace(/\s+/g, " ").trim();
  return out.length > max ? out.slice(0, max) : out;
}

/** A quoted nft string of user text, at most max characters inside the quotes. */
export const nftString = (text: string, max: number) => `"${escapeNft(text, max)}"`;
