/**
 * Where a text stops being JSON, and why, in words of our own: Node's `JSON.parse` messages quote the text around
 * the error (a config may hold a credential written in clear), and only some of them give a position (Node 20:
 * `Unexpected token '}', "…" is not valid JSON` gives none).
 */
export interface JsonSyntaxError {
  /** 1-based. */
  line: number;
  /** 1-based, in characters (UTF-16 code units) from the start of the line. */
  column: number;
  reason: string;
}

/** The first syntax error of `text` (RFC 8259), or `undefined` when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    // Deeper than the scanner goes (JSON.parse took it, or refused it for its own reason): no position to give.
    if (!(error instanceof SyntaxAt)) return undefined;
    return { ...lineAndColumn(text, error.offset), reason: error.reason };
  }
}

/** 1-based line and column of `offset`; `\r\n`, `\n` and a lone `\r` each end a line. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a || (code === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line += 1;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

class SyntaxAt extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const NUMBER = /-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

const VALUE = 'expected a value (a string, number, object, array, true, false or null)';

class Scanner {
  #at = 0;
  readonly #depthLimit = 500;

  constructor(readonly text: string) {}

  document(): void {
    this.#space();
    this.#value(0);
    this.#space();
    if (this.#at < this.text.length) this.#fail('unexpected text after the end of the JSON document');
  }

  #fail(reason: string): never {
    const at = this.#at;
    throw new SyntaxAt(at, at >= this.text.length ? `unexpected end of the file: ${reason}` : reason);
  }

  #space(): void {
    while (this.#at < this.text.length) {
      const c = this.text[this.#at];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.#at += 1;
    }
  }

  #value(depth: number): void {
    if (depth > this.#depthLimit) this.#fail('nested too deeply');
    const c = this.text[this.#at];
    if (c === '{') return this.#object(depth);
    if (c === '[') return this.#array(depth);
    if (c === '"') return this.#string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.#number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return;
      }
    }
    if (c === "'") this.#fail('strings must be in double quotes');
    this.#fail(VALUE);
  }

  #object(depth: number): void {
    this.#at += 1;
    this.#space();
    if (this.text[this.#at] === '}') {
      this.#at += 1;
      return;
    }
    for (;;) {
      if (this.text[this.#at] !== '"') {
        this.#fail(this.text[this.#at] === '}' ? 'a comma before "}" (JSON allows no trailing comma)' : 'expected a property name in double quotes');
      }
      this.#string();
      this.#space();
      if (this.text[this.#at] !== ':') this.#fail("expected ':' after the property name");
      this.#at += 1;
      this.#space();
      this.#value(depth + 1);
      this.#space();
      const next = this.text[this.#at];
      if (next === '}') {
        this.#at += 1;
        return;
      }
      if (next !== ',') this.#fail("expected ',' or '}' after a property value");
      this.#at += 1;
      this.#space();
    }
  }

  #array(depth: number): void {
    this.#at += 1;
    this.#space();
    if (this.text[this.#at] === ']') {
      this.#at += 1;
      return;
    }
    for (;;) {
      if (this.text[this.#at] === ']') this.#fail('a comma before "]" (JSON allows no trailing comma)');
      this.#value(depth + 1);
      this.#space();
      const next = this.text[this.#at];
      if (next === ']') {
        this.#at += 1;
        return;
      }
      if (next !== ',') this.#fail("expected ',' or ']' after an array element");
      this.#at += 1;
      this.#space();
    }
  }

  #string(): void {
    this.#at += 1;
    for (;;) {
      if (this.#at >= this.text.length) this.#fail('a string is not closed');
      const code = this.text.charCodeAt(this.#at);
      if (code === 0x22) {
        this.#at += 1;
        return;
      }
      if (code < 0x20) this.#fail('a control character in a string (a line break is written \\n)');
      if (code === 0x5c) {
        const escape = this.text[this.#at + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.#at + 2, this.#at + 6))) this.#fail('a \\u escape needs four hex digits');
          this.#at += 6;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          this.#at += 2;
        } else {
          this.#fail('a bad escape in a string (a backslash is written \\\\)');
        }
        continue;
      }
      this.#at += 1;
    }
  }

  #number(): void {
    NUMBER.lastIndex = this.#at;
    const match = NUMBER.exec(this.text);
    if (match === null) this.#fail('a bad number');
    this.#at += match[0].length;
    const next = this.text[this.#at];
    if (next !== undefined && /[0-9.eE]/.test(next)) this.#fail('a bad number (no leading zeros; digits after "." and "e")');
  }
}
