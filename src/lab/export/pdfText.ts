/**
 * The PDF's standard fonts are WinAnsi-encoded: Plotly's typographic minus (U+2212) and thin
 * spaces would print as wrong glyphs, so they become their ASCII look-alikes.
 */
export function pdfSafeText(svg: string): string {
  return svg.replace(/\u2212/g, '-').replace(/[\u2009\u200a\u202f]/g, ' ');
}
