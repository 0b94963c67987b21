/** Postgres text cannot hold NUL: what a peer said is kept readable, with U+FFFD in its place, not rejected. */
export function storableText(text: string): string;
export function storableText(text: string | null): string | null;
export function storableText(text: string | null): string | null {
  return text !== null && text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}
