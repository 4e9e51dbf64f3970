/**
 * The value form pika's URL arguments `client_properties`, `tcp_options` and `ssl_options` take: a
 * Python literal (`{'connection_name': 'api', 'capabilities': {'x': True}}`), parsed as pika's
 * `ast.literal_eval` would for dicts, lists, tuples, strings, numbers, True/False/None. JSON is
 * accepted too (`{"a": true, "b": null}`), since it is the same grammar with other keyword spellings.
 * Nothing is evaluated: this is a parser only.
 * Not part of the public API (a file-level `@internal` would make stripInternal drop the first import).
 */

/** A parsed literal. Integers beyond 2^53 become bigint so nothing is rounded. */
export type Literal = string | number | bigint | boolean | null | Literal[] | { [key: string]: Literal };

/** Where and why a literal did not parse. */
export class LiteralSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position}`);
    this.name = 'LiteralSyntaxError';
  }
}

const KEYWORDS: Record<string, Literal> = {
  True: true,
  False: false,
  None: null,
  true: true,
  false: false,
  null: null,
};
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
  v: '\v',
  a: '\x07',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '/': '/',
};
const NUMBER = /^[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/;
const MAX_DEPTH = 32;

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): Literal {
    const value = this.value(0);
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private fail(reason: string): never {
    throw new LiteralSyntaxError(reason, this.pos);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  private value(depth: number): Literal {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of input');
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.sequence(']', depth);
    if (c === '(') return this.sequence(')', depth);
    if (c === "'" || c === '"') return this.string();
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.pos))?.[0];
    if (word !== undefined) {
      if (!Object.hasOwn(KEYWORDS, word)) this.fail(`unknown name "${word}"`);
      this.pos += word.length;
      return KEYWORDS[word] as Literal;
    }
    return this.number();
  }

  private dict(depth: number): { [key: string]: Literal } {
    const out: { [key: string]: Literal } = {};
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const c = this.text[this.pos];
      if (c !== "'" && c !== '"') this.fail('expected a quoted key');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail('expected ":"');
      this.pos++;
      // defineProperty so that a key named __proto__ is data, not a prototype change
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail('expected "," or "}"');
    }
  }

  private sequence(close: string, depth: number): Literal[] {
    const out: Literal[] = [];
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected "," or "${close}"`);
    }
  }

  private string(): string {
    const quote = this.text[this.pos];
    let out = '';
    this.pos++;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated string');
      this.pos++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos];
      if (e === undefined) this.fail('unterminated string');
      this.pos++;
      if (e === 'x' || e === 'u') {
        const len = e === 'x' ? 2 : 4;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += len;
      } else if (Object.hasOwn(ESCAPES, e)) {
        out += ESCAPES[e];
      } else {
        out += `\\${e}`; // Python keeps unknown escapes as written
      }
    }
  }

  private number(): number | bigint {
    const match = NUMBER.exec(this.text.slice(this.pos));
    if (match === null) this.fail('expected a value');
    const raw = match[0];
    // Python allows 1_000; an underscore must sit between digits
    if (/(^|[^\d])_|_($|[^\d])/.test(raw)) this.fail('misplaced "_" in number');
    this.pos += raw.length;
    const text = raw.replace(/_/g, '');
    if (/^[+-]?\d+$/.test(text)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    return Number(text);
  }
}

/** Parses a Python (or JSON) literal. @throws LiteralSyntaxError */
export function parseLiteral(text: string): Literal {
  return new Parser(text).parse();
}
