// The calicoctl selector language: parsed here, at validation, so that a syntax error is reported with
// its column and every later layer works on the tree.
//
//   expr    := and ("||" and)*
//   and     := unary ("&&" unary)*
//   unary   := "!" unary | primary
//   primary := "(" expr ")" | "all()" | "has(" key ")" | key ("==" | "!=") string
//            | key "in" set | key "not" "in" set
//   set     := "{" [string ("," string)*] "}"

export type Selector =
  | { op: "all" }
  | { op: "has"; key: string }
  | { op: "eq" | "ne"; key: string; value: string }
  | { op: "in" | "notin"; key: string; values: string[] }
  | { op: "not"; expr: Selector }
  | { op: "and" | "or"; exprs: Selector[] };

export type ParsedSelector = { ok: true; value: Selector } | { ok: false; message: string; column: number };

const KEY = /[A-Za-z0-9_./-]/;

/** How deep "!" and "(" may nest: far beyond any real selector, far below the parser's stack. */
export const MAX_SELECTOR_DEPTH = 64;

class SyntaxFailure {
  constructor(readonly column: number, readonly message: string) {}
}

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  parse(): Selector {
    this.skip();
    if (this.pos >= this.text.length) this.fail("empty selector; use all() to select everything");
    const expr = this.or();
    this.skip();
    if (this.pos < this.text.length) this.fail(`unexpected ${JSON.stringify(this.text[this.pos])}`);
    return expr;
  }

  private fail(message: string, at = this.pos): never {
    throw new SyntaxFailure(at + 1, message);
  }

  private skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private eat(token: string): boolean {
    this.skip();
    if (this.text.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private expect(token: string): void {
    if (!this.eat(token)) this.fail(`expected ${JSON.stringify(token)}`);
  }

  private or(): Selector {
    const exprs = [this.and()];
    while (this.eat("||")) exprs.push(this.and());
    return exprs.length === 1 ? exprs[0]! : { op: "or", exprs };
  }

  private and(): Selector {
    const exprs = [this.unary()];
    while (this.eat("&&")) exprs.push(this.unary());
    return exprs.length === 1 ? exprs[0]! : { op: "and", exprs };
  }

  private nest<T>(parse: () => T): T {
    if (++this.depth > MAX_SELECTOR_DEPTH) this.fail(`"!" and "(" nest deeper than ${MAX_SELECTOR_DEPTH} levels`);
    const value = parse();
    this.depth--;
    return value;
  }

  private unary(): Selector {
    this.skip();
    if (this.text[this.pos] === "!" && this.text[this.pos + 1] !== "=") {
      this.pos++;
      return this.nest(() => ({ op: "not", expr: this.unary() }));
    }
    return this.primary();
  }

  private primary(): Selector {
    if (this.eat("(")) {
      return this.nest(() => {
        const expr = this.or();
        this.expect(")");
        return expr;
      });
    }
    this.skip();
    const start = this.pos;
    const word = this.key();
    if ((word === "all" || word === "has") && this.eat("(")) {
      if (word === "all") {
        this.expect(")");
        return { op: "all" };
      }
      this.skip();
      const key = this.key();
      if (!key) this.fail("expected a label key inside has()");
      this.expect(")");
      return { op: "has", key };
    }
    if (!word) this.fail(this.pos >= this.text.length ? "unexpected end of selector" : `unexpected ${JSON.stringify(this.text[this.pos])}`, start);
    if (this.eat("==")) return { op: "eq", key: word, value: this.string() };
    if (this.eat("!=")) return { op: "ne", key: word, value: this.string() };
    this.skip();
    const opStart = this.pos;
    const op = this.key();
    if (op === "in") return { op: "in", key: word, values: this.set() };
    if (op === "not") {
      this.skip();
      if (this.key() !== "in") this.fail('expected "in" after "not"');
      return { op: "notin", key: word, values: this.set() };
    }
    return this.fail(`expected ==, !=, in or not in after label key ${JSON.stringify(word)}`, opStart);
  }

  private key(): string {
    const start = this.pos;
    while (this.pos < this.text.length && KEY.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private string(): string {
    this.skip();
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") this.fail("expected a quoted string");
    const end = this.text.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail("unterminated string");
    const value = this.text.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private set(): string[] {
    this.expect("{");
    const values: string[] = [];
    if (this.eat("}")) return values;
    do values.push(this.string());
    while (this.eat(","));
    this.expect("}");
    return values;
  }
}

export function parseSelector(text: string): ParsedSelector {
  try {
    return { ok: true, value: new Parser(text).parse() };
  } catch (e) {
    if (e instanceof SyntaxFailure) return { ok: false, message: e.message, column: e.column };
    throw e;
  }
}

/** Canonical text of a selector: the same tree always prints the same way. */
export function printSelector(s: Selector): string {
  // The language has no escapes (as in calicoctl): a value is quoted with the quote it does not contain.
  const q = (v: string) => (v.includes('"') ? `'${v}'` : `"${v}"`);
  switch (s.op) {
    case "all":
      return "all()";
    case "has":
      return `has(${s.key})`;
    case "eq":
      return `${s.key} == ${q(s.value)}`;
    case "ne":
      return `${s.key} != ${q(s.value)}`;
    case "in":
      return `${s.key} in {${s.values.map(q).join(", ")}}`;
    case "notin":
      return `${s.key} not in {${s.values.map(q).join(", ")}}`;
    case "not":
      return s.expr.op === "and" || s.expr.op === "or" ? `!(${printSelector(s.expr)})` : `!${printSelector(s.expr)}`;
    case "and":
    case "or": {
      const join = s.op === "and" ? " && " : " || ";
      return s.exprs.map((e) => (e.op === "and" || e.op === "or" ? `(${printSelector(e)})` : printSelector(e))).join(join);
    }
  }
}
