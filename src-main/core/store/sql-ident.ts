/** SQL identifiers come from collection names: quote them, never trust them. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
