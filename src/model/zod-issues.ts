// Turns zod's issues into moat's: every message names the field and the value it was given.
import type { z } from "zod";
import { editDistance } from "./distance.js";
import { show, type Issue } from "./issues.js";

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function unknownFieldMessage(key: string, known: string[]): string {
  if (key === "from" && known.includes("to")) return `unknown field "from": egress rules name their peer with "to"`;
  if (key === "to" && known.includes("from")) return `unknown field "to": ingress rules name their peer with "from"`;
  const near = known.filter((k) => editDistance(k, key) <= Math.max(1, Math.floor(key.length / 3)));
  const hint = near.length ? ` (did you mean ${near.map((k) => JSON.stringify(k)).join(" or ")}?)` : "";
  return `unknown field ${JSON.stringify(key)}${hint}`;
}

/** The field names the schema allows at a path of the input, for "did you mean" hints. */
function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let s: any = schema;
  const unwrap = () => {
    while (s?._zod?.def && ["optional", "default", "nullable", "prefault"].includes(s._zod.def.type)) s = s._zod.def.innerType;
  };
  for (const key of path) {
    unwrap();
    const def = s?._zod?.def;
    if (def?.type === "object") s = def.shape[key as string];
    else if (def?.type === "array") s = def.element;
    else if (def?.type === "record") s = def.valueType;
    else return [];
  }
  unwrap();
  return s?._zod?.def?.type === "object" ? Object.keys(s._zod.def.shape) : [];
}

export function fromZod(error: z.ZodError, input: unknown, schema: z.ZodType): Issue[] {
  const out: Issue[] = [];
  for (const zi of error.issues) {
    const path = zi.path.filter((p): p is string | number => typeof p !== "symbol");
    const value = valueAt(input, zi.path);
    switch (zi.code) {
      case "unrecognized_keys":
        for (const key of zi.keys) {
          const known = knownKeysAt(schema, zi.path);
          out.push({ code: "unknown-field", path: [...path, key], message: unknownFieldMessage(key, known) });
        }
        break;
      case "invalid_type":
        out.push({
          code: value === undefined ? "required" : "invalid-type",
          path,
          message: value === undefined ? "is required" : `expected ${zi.expected}, got ${show(value)}`,
        });
        break;
      case "invalid_value":
        out.push({
          code: "invalid-value",
          path,
          message: `${show(value)} is not valid; expected ${zi.values.map((v) => show(v)).join(", ")}`,
        });
        break;
      case "too_small":
        out.push({ code: "too-small", path, message: Array.isArray(value) ? "needs at least one entry" : `${show(value)} is too small` });
        break;
      default:
        out.push({ code: zi.code, path, message: `${zi.message} (got ${show(value)})` });
    }
  }
  return out;
}
