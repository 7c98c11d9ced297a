import { describe, expect, it } from "vitest";
import { parseDocuments } from "../../src/model/index.js";

describe("parseDocuments", () => {
  it("reads every YAML document of a file, numbering them by position, empty ones included", () => {
    const text = ["kind: A", "---", "# only a comment", "---", "kind: B", "---", "kind: C", ""].join("\n");
    const { docs, issues } = parseDocuments(text, "many.yaml");
    expect(issues).toEqual([]);
    expect(docs).toEqual([
      { file: "many.yaml", index: 0, doc: { kind: "A" } },
      { file: "many.yaml", index: 2, doc: { kind: "B" } },
      { file: "many.yaml", index: 3, doc: { kind: "C" } },
    ]);
  });

  it("reads JSON: one object, an array of documents, or a kind: List", () => {
    expect(parseDocuments('{"kind": "A"}', "a.json").docs.map((d) => d.doc)).toEqual([{ kind: "A" }]);
    expect(parseDocuments('[{"kind": "A"}, {"kind": "B"}]', "b.json").docs.map((d) => d.doc)).toEqual([{ kind: "A" }, { kind: "B" }]);
    const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ kind: "A" }, { kind: "B" }] });
    expect(parseDocuments(list, "c.json").docs.map((d) => d.doc)).toEqual([{ kind: "A" }, { kind: "B" }]);
  });

  it("reports a syntax error with its file and document, and still reads the other documents", () => {
    const text = ["kind: A", "---", "kind: [B", "---", "kind: C"].join("\n");
    const { docs, issues } = parseDocuments(text, "broken.yaml");
    expect(docs.map((d) => d.doc)).toEqual([{ kind: "A" }, { kind: "C" }]);
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) expect(i).toMatchObject({ code: "syntax", file: "broken.yaml", document: 1 });
  });

  it("refuses a key given twice in one mapping rather than keeping the last", () => {
    const { issues } = parseDocuments("kind: A\nkind: B\n", "dup.yaml");
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "syntax", file: "dup.yaml", document: 0 });
  });
});
