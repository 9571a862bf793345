// Markdown built from data, for the Runs view's tooltips and the compare document: the literal
// parts of a template are Markdown, every value is escaped, so a CSV header, an error message or
// a file name can never become a link, an image, HTML or an autolink. Plain Node.

/**
 * A tooltip line: the literal parts are Markdown, every value is escaped (each ASCII punctuation
 * mark backslash-escaped, line breaks made spaces), so data from a file (a CSV header, an error, a
 * file name) cannot make a link, an image, HTML or an autolink.
 */
export function md(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((out, literal, i) => out + literal + (i < values.length ? (values[i] instanceof Code ? values[i].span() : escapeMarkdown(String(values[i]))) : ''), '');
}

/** A value shown as a code span: inert (no links, images or HTML), its backticks replaced. */
export class Code {
  constructor(readonly text: string) {}
  span(): string {
    return `\`${this.text.replace(/[\r\n]+/g, ' ').replace(/`/g, 'ʹ')}\``;
  }
}
export const code = (text: string): Code => new Code(text);

/**
 * Escapes what Markdown could turn into markup: emphasis, code, links and images (brackets and
 * `!`), HTML (`<`, `&`), tables, and the autolinks of URLs, `www.` and e-mail addresses.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]<>!|~&#@]/g, (c) => `\\${c}`)
    .replace(/:\/\//g, '\\://')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}

