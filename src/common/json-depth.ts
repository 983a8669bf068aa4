/**
 * The nesting depth of a JSON text, found by one pass over its bytes without recursion (strings, and the
 * brackets inside them, are skipped). Stops as soon as `limit` is exceeded, so a hostile body costs at most
 * one scan of what was already buffered. Used before JSON.parse, whose reviver (and everything downstream:
 * validation, class-transformer) would otherwise recurse once per level and overflow the stack.
 */
export function exceedsJsonDepth(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return false;
}
