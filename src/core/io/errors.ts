// Errors for bad input. Every parser reports where (file, 1-based line and column), what it
// found and what it expected, so the CLI and the host can point the user at the exact spot.

export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(
    readonly file: string,
    /** 1-based line; 0 when the problem is not tied to a line (e.g. a binary header). */
    readonly line: number,
    /** 1-based character column on that line (for binary formats: the byte offset + 1). */
    readonly column: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`${file}:${line}:${column}: expected ${expected}, found ${found}`);
  }
}

/** Shows a found token compactly in an error message. */
export function quoteFound(text: string, max = 40): string {
  if (text === '') return 'an empty field';
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(shown);
}
