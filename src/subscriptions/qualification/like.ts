/**
 * AR System LIKE: does the whole text match the pattern, where `%` matches any run of characters (none included),
 * `_` exactly one, and every other character itself (`[` too: bracket ranges are not supported), by code point.
 *
 * Linear in the text, whatever the pattern: split on `%`, the pattern is segments of fixed length; the first must
 * match at the start, the last at the end, and each one between at its leftmost place after the one before (the
 * leftmost place leaves the most room for the rest, so nothing is ever tried twice). A segment is found in one pass
 * over the text with a bit-parallel shift-and scan: ⌈segment length / 32⌉ word operations per character, one for
 * any segment of up to 32 characters. Pure.
 */

/** Counts the character comparisons and word operations a match takes, for tests that check the work is linear. */
export interface LikeMeter {
  steps: number;
}

/** True when `text` matches the LIKE `pattern`. */
export function matchesLike(text: string, pattern: string, meter: LikeMeter = { steps: 0 }): boolean {
  const chars = Array.from(text);
  const segments = splitOnPercent(Array.from(pattern));
  const first = segments[0]!;
  if (segments.length === 1) return chars.length === first.length && matchesAt(chars, 0, first, meter);
  const last = segments[segments.length - 1]!;
  const end = chars.length - last.length;
  if (first.length > end || !matchesAt(chars, 0, first, meter) || !matchesAt(chars, end, last, meter)) return false;
  let from = first.length;
  for (const segment of segments.slice(1, -1)) {
    const at = leftmost(chars, from, end, segment, meter);
    if (at < 0) return false;
    from = at + segment.length;
  }
  return true;
}

function splitOnPercent(pattern: string[]): string[][] {
  const segments: string[][] = [[]];
  for (const char of pattern) {
    if (char === "%") segments.push([]);
    else segments[segments.length - 1]!.push(char);
  }
  return segments;
}

function matchesAt(chars: string[], at: number, segment: string[], meter: LikeMeter): boolean {
  for (let index = 0; index < segment.length; index += 1) {
    meter.steps += 1;
    if (segment[index] !== "_" && segment[index] !== chars[at + index]) return false;
  }
  return true;
}

/** Where `segment` first matches wholly within chars[from, end), or -1. Shift-and: bit j of `state` is "the last j+1 characters match the segment's first j+1". */
function leftmost(chars: string[], from: number, end: number, segment: string[], meter: LikeMeter): number {
  if (segment.length === 0) return from;
  const words = Math.ceil(segment.length / 32);
  const anyChar = new Uint32Array(words);
  segment.forEach((char, index) => {
    if (char === "_") anyChar[index >>> 5]! |= 1 << (index & 31);
  });
  const masks = new Map<string, Uint32Array>();
  segment.forEach((char, index) => {
    if (char === "_") return;
    let mask = masks.get(char);
    if (!mask) masks.set(char, (mask = Uint32Array.from(anyChar)));
    mask[index >>> 5]! |= 1 << (index & 31);
  });
  const state = new Uint32Array(words);
  const lastWord = (segment.length - 1) >>> 5;
  const lastBit = 1 << ((segment.length - 1) & 31);
  for (let at = from; at < end; at += 1) {
    const mask = masks.get(chars[at]!) ?? anyChar;
    let carry = 1;
    for (let word = 0; word < words; word += 1) {
      const next = state[word]! >>> 31;
      state[word] = ((state[word]! << 1) | carry) & mask[word]!;
      carry = next;
    }
    meter.steps += words;
    if (state[lastWord]! & lastBit) return at - segment.length + 1;
  }
  return -1;
}
