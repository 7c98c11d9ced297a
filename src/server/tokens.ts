// Who may do what. A tokens file is YAML: a list of {name, role, token} or {name, role, sha256}, and an
// agent's entry names its node. Tokens are compared as SHA-256 digests in constant time and never logged.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { parse } from "yaml";
import { z } from "zod";
import { BadRequest, InvalidInput } from "../errors/index.js";
import { fromZod } from "../model/index.js";

export const ROLES = ["admin", "viewer", "agent"] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  name: string;
  role: Role;
  /** For an agent: the only node whose status it may report. */
  node?: string;
}

interface Entry extends Principal {
  digest: Buffer;
}

const entrySchema = z
  .strictObject({
    name: z.string().min(1),
    role: z.enum(ROLES),
    token: z.string().min(16).optional(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 digest: 64 lowercase hex digits").optional(),
    node: z.string().min(1).optional(),
  })
  .refine((e) => (e.token === undefined) !== (e.sha256 === undefined), { message: "give exactly one of token and sha256" })
  .refine((e) => e.role !== "agent" || e.node !== undefined, { message: "an agent's token names its node", path: ["node"] });

const digestOf = (token: string) => createHash("sha256").update(token).digest();

export class TokenTable {
  private constructor(private readonly entries: Entry[]) {}

  static parse(text: string, file: string): TokenTable {
    let raw: unknown;
    try {
      raw = parse(text);
    } catch (e) {
      throw new BadRequest(`${file}: not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
    const schema = z.array(entrySchema).min(1, "list at least one token");
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new InvalidInput(fromZod(parsed.error, raw, schema).map((i) => ({ ...i, file })));
    return new TokenTable(
      parsed.data.map((e) => ({
        name: e.name,
        role: e.role,
        ...(e.node ? { node: e.node } : {}),
        digest: e.token !== undefined ? digestOf(e.token) : Buffer.from(e.sha256!, "hex"),
      })),
    );
  }

  static single(principal: Principal, token: string): TokenTable {
    return new TokenTable([{ ...principal, digest: digestOf(token) }]);
  }

  /** The principal a bearer token stands for. Every entry is compared, so timing tells nothing. */
  lookup(token: string): Principal | undefined {
    const digest = digestOf(token);
    let found: Entry | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, digest) && !found) found = e;
    if (!found) return undefined;
    const { digest: _, ...principal } = found;
    return principal;
  }
}

export const newToken = () => randomBytes(32).toString("base64url");
