// Rancher 1.x label selectors ("a=b, c!=d, e in (f,g), h notin (i), j") in moat's selector language.
// Constraints separated by commas must all hold. As in Rancher, `!=` and `notin` need the label to be
// present, which moat writes with has(). Rancher compares keys and values without regard to case;
// moat compares them exactly, as Rancher's own groupBy does.
import { show, type IssuePath } from "../../model/index.js";
import { isLabelKey, type Report } from "../emit.js";
import { mapLabelValue } from "./labels.js";

export function translateSelector(text: unknown, path: IssuePath, report: Report, keys: Set<string>): string | undefined {
  if (typeof text !== "string" || text.trim() === "") return void report(path, "invalid-selector", `a selector must be a non-empty string, not ${show(text)}`);
  const parts: string[] = [];
  let ok = true;
  for (const constraint of splitConstraints(text)) {
    const out = translateConstraint(constraint.trim(), text, path, report, keys);
    if (out === undefined) ok = false;
    else parts.push(out);
  }
  return ok ? parts.join(" && ") : undefined;
}

/** Commas separate constraints, except inside the parentheses of `in (...)`. */
function splitConstraints(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  out.push(current);
  return out;
}

function translateConstraint(c: string, whole: string, path: IssuePath, report: Report, keys: Set<string>): string | undefined {
  const fail = (why: string) => void report(path, "invalid-selector", `selector ${show(whole)}: ${why}`);
  let m: RegExpExecArray | null;
  if (c === "") return fail("has an empty constraint (a comma too many?)");
  const key = (k: string) => {
    if (!isLabelKey(k)) return void fail(`${show(k)} is not a label key moat can use`);
    keys.add(k);
    return k;
  };
  const value = (v: string) => {
    const mapped = mapLabelValue(v.trim());
    if (mapped === undefined) return void fail(`${show(v.trim())} is not a label value moat can use`);
    return JSON.stringify(mapped);
  };
  const set = (list: string) => {
    const values = list.split(",").map(value);
    return values.every((v) => v !== undefined) && values.length ? `{${values.join(", ")}}` : undefined;
  };
  if ((m = /^(\S+)\s+(notin|in)\s*\((.*)\)$/.exec(c))) {
    const k = key(m[1]!);
    const s = set(m[3]!);
    if (!k || !s) return undefined;
    return m[2] === "in" ? `${k} in ${s}` : `has(${k}) && ${k} not in ${s}`;
  }
  if ((m = /^([^=!\s]+)\s*(!=|==|=)\s*(.*)$/.exec(c))) {
    const k = key(m[1]!);
    const v = value(m[3]!);
    if (!k || !v) return undefined;
    return m[2] === "!=" ? `has(${k}) && ${k} != ${v}` : `${k} == ${v}`;
  }
  if (/^[^\s=!(),]+$/.test(c)) {
    const k = key(c);
    return k && `has(${k})`;
  }
  return fail(`cannot read the constraint ${show(c)}; expected key=value, key!=value, key in (a,b), key notin (a,b) or key`);
}
