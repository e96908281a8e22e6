const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Follows how deep JSON text nests arrays and objects, chunk by chunk as a body arrives, by counting brackets
 * outside strings: cheap enough to run on every byte before JSON.parse, and it stops at the first level too deep, so
 * a body of 16 MiB of `[[[[…` is refused after 65 bytes. Text that is not JSON may be miscounted; JSON.parse then
 * refuses it anyway.
 */
export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  /** The previous chunk ended on a backslash inside a string: this chunk's first byte is escaped. */
  private escaped = false;

  constructor(private readonly max: number) {}

  /** Reads the next bytes of the text; true once it has nested deeper than `max` (and from then on). */
  tooDeep(bytes: Uint8Array): boolean {
    if (this.depth > this.max) return true;
    let i = this.escaped ? 1 : 0;
    this.escaped = false;
    for (; i < bytes.length; i++) {
      const byte = bytes[i];
      if (this.inString) {
        if (byte === BACKSLASH) {
          if (++i === bytes.length) this.escaped = true; // the escaped byte, a quote perhaps, does not end the string
        } else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) {
        this.inString = true;
      } else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
        if (++this.depth > this.max) return true;
      } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        this.depth--;
      }
    }
    return false;
  }
}

/** True when the whole JSON text nests deeper than `max`. */
export const nestsDeeperThan = (json: Uint8Array, max: number): boolean => new JsonDepthScanner(max).tooDeep(json);
