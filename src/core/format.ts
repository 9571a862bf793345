// One way to show a number to a person, for the CLI, the host and the pages: '–' when it is
// absent or not finite; otherwise `digits` decimals ('fixed') or significant digits
// ('significant', trailing zeros kept; 'short', trailing zeros dropped), switching to an
// exponent outside [1e-3, `large`) when `exponent` digits are given.
export interface FigureStyle {
  digits?: number;
  style?: 'fixed' | 'significant' | 'short';
  /** Exponent digits used outside [1e-3, large); none keeps plain notation. */
  exponent?: number;
  large?: number;
}

export function formatFigure(v: number | null | undefined, { digits = 4, style = 'fixed', exponent, large = 1e5 }: FigureStyle = {}): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (exponent !== undefined && a !== 0 && (a >= large || a < 1e-3)) return v.toExponential(exponent);
  if (style === 'fixed') return v.toFixed(digits);
  return style === 'short' ? String(Number(v.toPrecision(digits))) : v.toPrecision(digits);
}
