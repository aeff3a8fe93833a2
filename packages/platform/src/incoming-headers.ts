// Received HTTP/2 headers as the Fetch API `Headers` that Connect interceptors read. Copying them
// into undici's Headers validates and converts every name and value, about 5% of a served call's
// CPU (docs/performance.md), while most calls only ever `get` three or four of them; so reads go
// to Node's header object and the copy is made only when something iterates or changes them.
import type http2 from "node:http2";

/** Headers' methods declared as methods: the DOM typings declare them as properties, which a subclass cannot override. */
interface HeaderMethods {
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
  delete(name: string): void;
  getSetCookie(): string[];
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void;
  entries(): ReturnType<Headers["entries"]>;
  keys(): ReturnType<Headers["keys"]>;
  values(): ReturnType<Headers["values"]>;
  [Symbol.iterator](): ReturnType<Headers["entries"]>;
}
const FetchHeaders = Headers as unknown as new () => HeaderMethods;

/** Headers backed by a received HTTP/2 header object (pseudo-headers left out) until first written or iterated. */
export class IncomingHeaders extends FetchHeaders implements Headers {
  #received: http2.IncomingHttpHeaders | undefined;

  constructor(received: http2.IncomingHttpHeaders) {
    super();
    this.#received = received;
  }

  override get(name: string): string | null {
    const received = this.#received;
    if (received === undefined) return super.get(name);
    const key = name.toLowerCase();
    if (key.charCodeAt(0) === 58 /* ":" */) return null;
    const value = received[key];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  override has(name: string): boolean {
    return this.get(name) !== null;
  }

  override set(name: string, value: string): void {
    this.#copy();
    super.set(name, value);
  }

  override append(name: string, value: string): void {
    this.#copy();
    super.append(name, value);
  }

  override delete(name: string): void {
    this.#copy();
    super.delete(name);
  }

  override getSetCookie(): string[] {
    this.#copy();
    return super.getSetCookie();
  }

  override forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#copy();
    super.forEach((value, key) => callback.call(thisArg, value, key, this as Headers));
  }

  override entries(): ReturnType<Headers["entries"]> {
    this.#copy();
    return super.entries();
  }

  override keys(): ReturnType<Headers["keys"]> {
    this.#copy();
    return super.keys();
  }

  override values(): ReturnType<Headers["keys"]> {
    this.#copy();
    return super.values();
  }

  override [Symbol.iterator](): ReturnType<Headers["entries"]> {
    this.#copy();
    return super.entries();
  }

  /** Moves the received headers into the Headers proper; every later call goes to it. */
  #copy(): void {
    const received = this.#received;
    if (received !== undefined) {
      this.#received = undefined;
      for (const name in received) {
        if (name.charCodeAt(0) === 58 /* ":" */) continue;
        const value = received[name];
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value) super.append(name, item);
        else super.append(name, value);
      }
    }
  }
}
