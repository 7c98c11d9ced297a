// moat's own names in the kernel, and the exact patterns by which moat knows its objects from anyone
// else's. Everything that reads the kernel back (dataplane, status, reset, analyze) asks here: an object
// named with moat's prefix but not of these forms ("moat-mine", "moat-custom") belongs to someone else.

export type Family = 4 | 6;
export type Generation = "a" | "b";
export const GENERATIONS: readonly Generation[] = ["a", "b"];
export const otherGeneration = (g: Generation): Generation => (g === "a" ? "b" : "a");

export const PREFIX = "moat-";
/** The entry chain of every generation; the hook jumps to it. */
export const ENTRY_CHAIN = "fwd";
/** What the hook's comment says, before the rules hash. */
export const COMMENT_MARKER = "moat plan";

/**
 * The mark bit of "moat allowed this": allowAction Return on iptables climbs back to FORWARD with it,
 * and on nftables (allowAction Accept) moat's rule in iptables' FORWARD accepts it. Bit 24: not the
 * identity (low 16 bits, carried by VXLAN GBP), not kube-proxy's 0x4000/0x8000 nor Docker's.
 */
export const ALLOWED_MARK = 0x1000000;
/** The comment of moat's one rule in iptables' FORWARD on nftables (allow-rule.ts). */
export const NFT_ALLOW_COMMENT = "moat-nft-allow";

/** A chain of one generation: "moat-a-fwd", "moat-b-pe-0123456789". */
export const chainName = (generation: Generation, name: string) => `${PREFIX}${generation}-${name}`;
export const familySetName = (base: string, family: Family) => `${base}-${family}`;
/** The temporary twin an ipset is filled through before the swap. */
export const tempSetName = (name: string) => `${name}t`;

const PLAN_CHAIN = "(?:fwd|spoof|identity|eg|after-eg|in|in-default|deny|p[ei]-[0-9a-f]{10})";
const GENERATION_CHAIN = new RegExp(`^moat-([ab])-${PLAN_CHAIN}$`);
/** Set names are moat- + a one-letter tag + 10 hex digits of a hash, then the family (and t for a twin). */
const SET = /^moat-[a-z][0-9a-f]{10}-[46]t?$/;
const HOOK_COMMENT = /^moat plan [0-9a-f]{12}$/;

/** A chain moat made: the name of a Plan chain under one of the two generations. */
export const isMoatChain = (name: string) => GENERATION_CHAIN.test(name);
export const generationOf = (chain: string): Generation | undefined => GENERATION_CHAIN.exec(chain)?.[1] as Generation | undefined;
/** An ipset (iptables) or a set name without the family (nftables) that moat made. */
export const isMoatSet = (name: string) => SET.test(name);
export const isMoatSetBase = (name: string) => /^moat-[a-z][0-9a-f]{10}$/.test(name);
/** The hook's comment: the marker and a rules hash, nothing else. */
export const isHookComment = (text: string) => HOOK_COMMENT.test(text);
export const hookComment = (rulesHash: string) => `${COMMENT_MARKER} ${rulesHash}`;
export const rulesHashOf = (comment: string) => (isHookComment(comment) ? comment.slice(COMMENT_MARKER.length + 1) : undefined);

/**
 * nftables: moat's table for both families, one per generation. A change of rules builds the other
 * generation's table beside the live one before the live one is emptied and removed (see
 * docs/design-changes.md: a table replaced in one transaction misjudges packets in flight).
 */
export const nftTable = (generation: Generation) => `moat-${generation}`;
/** Every name moat's nft tables have, in inet and in bridge. */
export const NFT_TABLES: readonly string[] = GENERATIONS.map(nftTable);
export const nftTableGeneration = (name: string): Generation | undefined => (/^moat-([ab])$/.exec(name)?.[1] as Generation | undefined);
export const NFT_FAMILY = "inet";
