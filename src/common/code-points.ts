/*
 * Lengths in the API are Unicode code points (contract §5): an emoji is one character, not two UTF-16
 * units. Every length rule counts with these, so that one string is never judged two ways.
 */

/** Counts a surrogate pair as one character and a lone surrogate as one, the way JSON Schema validators do. */
export function codePointLength(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    length++;
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
  }
  return length;
}

/** Code points lie between ceil(units / 2) and units, so most strings are settled without counting. */
export function hasCodePointLength(value: string, min: number, max: number): boolean {
  const units = value.length;
  if (units <= max && units >= 2 * min) return true;
  const length = codePointLength(value);
  return length >= min && length <= max;
}
