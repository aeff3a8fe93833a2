// HTTP header fields as the Fetch API `Headers` that Connect interceptors read and write, kept as
// a plain object in Node's own header format. undici's Headers validates and converts every name
// and value character by character on each set and copy, and sorts on each iteration: 10-15% of a
// unary call's CPU on the lean paths (docs/performance.md), where headers are made, read a few
// times and handed to node:http2 as an object. Received headers are read in place and copied only
// when first changed.
import type http2 from "node:http2";

type Fields = Record<string, string | string[] | undefined>;
/** What `new Headers(init)` accepts: Headers, name-value pairs or a record. */
export type HeadersInit = ConstructorParameters<typeof Headers>[0];

// RFC 9110 token characters; values may not hold NUL, CR, LF or characters beyond Latin-1, as undici refuses.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[\0\r\n\u0100-\uffff]/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function fieldName(name: string): string {
  if (!TOKEN.test(name)) throw new TypeError(`Headers: invalid header name "${name}"`);
  return name.toLowerCase();
}

function fieldValue(value: string): string {
  const text = String(value);
  const code0 = text.charCodeAt(0);
  const codeN = text.charCodeAt(text.length - 1);
  // Leading and trailing whitespace is dropped, as the Fetch standard normalizes values.
  const normalized = code0 <= 32 || codeN <= 32 ? text.replace(EDGE_WHITESPACE, "") : text;
  if (INVALID_VALUE.test(normalized)) throw new TypeError(`Headers: invalid value for a header`);
  return normalized;
}

/**
 * Headers stored as a Node header object (lowercase names; repeated fields as arrays), usable
 * wherever `Headers` is. It is a `Headers` by prototype (below), not by construction: undici's
 * constructor, run four times per call, was the lean path's largest self time after the GC. Every
 * method of `Headers` is its own, so none of undici's reaches an object it did not construct.
 */
export class HeaderFields implements Headers {
  #fields: Fields;
  /** The fields object belongs to someone else (received headers, pseudo-headers included): copy before writing. */
  #borrowed: boolean;

  /** Empty headers, or `received` HTTP/2 headers read in place (pseudo-headers left out). */
  constructor(received?: http2.IncomingHttpHeaders) {
    this.#fields = received ?? (Object.create(null) as Fields);
    this.#borrowed = received !== undefined;
  }

  /** Headers holding what `init` holds (any Headers, pairs or record), as `new Headers(init)` would. */
  static from(init: HeadersInit | undefined): HeaderFields {
    const result = new HeaderFields();
    if (init === undefined) return result;
    if (init instanceof HeaderFields) {
      result.#fields = init.#copyOfFields();
      return result;
    }
    if (init instanceof Headers || Array.isArray(init)) for (const [name, value] of init as Iterable<[string, string]>) result.append(name, value);
    else for (const name of Object.keys(init)) result.append(name, (init as Record<string, string>)[name]!);
    return result;
  }

  get(name: string): string | null {
    const value = this.#fields[name.toLowerCase()];
    if (value === undefined || name.charCodeAt(0) === 58 /* ":" */) return null;
    return typeof value === "string" ? value : value.join(", ");
  }

  has(name: string): boolean {
    return name.charCodeAt(0) !== 58 && this.#fields[name.toLowerCase()] !== undefined;
  }

  set(name: string, value: string): void {
    this.#own()[fieldName(name)] = fieldValue(value);
  }

  append(name: string, value: string): void {
    const key = fieldName(name);
    const text = fieldValue(value);
    const fields = this.#own();
    const existing = fields[key];
    fields[key] = existing === undefined ? text : typeof existing === "string" ? [existing, text] : [...existing, text];
  }

  delete(name: string): void {
    const fields = this.#own();
    delete fields[name.toLowerCase()];
  }

  getSetCookie(): string[] {
    const value = this.#fields["set-cookie"];
    return value === undefined ? [] : typeof value === "string" ? [value] : [...value];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [name, value] of this.#sorted()) callback.call(thisArg, value, name, this as Headers);
  }

  entries(): ReturnType<Headers["entries"]> {
    return this.#sorted()[Symbol.iterator]() as ReturnType<Headers["entries"]>;
  }

  keys(): ReturnType<Headers["keys"]> {
    const names = this.#sorted().map(([name]) => name);
    return names[Symbol.iterator]() as ReturnType<Headers["keys"]>;
  }

  values(): ReturnType<Headers["values"]> {
    const values = this.#sorted().map(([, value]) => value);
    return values[Symbol.iterator]() as ReturnType<Headers["values"]>;
  }

  [Symbol.iterator](): ReturnType<Headers["entries"]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return "Headers";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `Headers ${JSON.stringify(Object.fromEntries(this.#sorted()))}`;
  }

  /** Copies every field into `target`, a node:http2 header object (unsorted, repeated fields as arrays). */
  copyInto(target: http2.OutgoingHttpHeaders): void {
    this.#eachField((name, value) => (target[name] = value));
  }

  #eachField(fn: (name: string, value: string | string[]) => void): void {
    const fields = this.#fields;
    for (const name in fields) {
      const value = fields[name];
      if (value === undefined || name.charCodeAt(0) === 58) continue;
      fn(name, value);
    }
  }

  /** The fields as `Headers` iterates them: sorted by name, repeated values joined (set-cookie kept apart). */
  #sorted(): Array<[string, string]> {
    const result: Array<[string, string]> = [];
    this.#eachField((name, value) => {
      if (typeof value === "string") result.push([name, value]);
      else if (name === "set-cookie") for (const item of value) result.push([name, item]);
      else result.push([name, value.join(", ")]);
    });
    return result.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  #own(): Fields {
    if (this.#borrowed) {
      this.#fields = this.#copyOfFields();
      this.#borrowed = false;
    }
    return this.#fields;
  }

  /** A fields object of this one's own, pseudo-headers left out. */
  #copyOfFields(): Fields {
    const copy = Object.create(null) as Fields;
    this.#eachField((name, value) => (copy[name] = Array.isArray(value) ? [...value] : value));
    return copy;
  }
}

Object.setPrototypeOf(HeaderFields.prototype, Headers.prototype);

/** `headers` as a node:http2 header object: a copy of the fields for HeaderFields, else through forEach. */
export function copyHeaders(headers: Headers, target: http2.OutgoingHttpHeaders = {}): http2.OutgoingHttpHeaders {
  if (headers instanceof HeaderFields) headers.copyInto(target);
  else headers.forEach((value, name) => (target[name] = value));
  return target;
}
