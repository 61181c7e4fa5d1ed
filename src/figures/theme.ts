/**
 * Plot colours and fonts. On screen the panel follows JupyterLab's theme (src/lab); exports
 * and the CLI's report always use the paper theme (white, black text), since a figure in a
 * paper must not depend on the theme its author happened to use.
 */

export interface IPlotTheme {
  background: string;
  plotBackground: string;
  text: string;
  mutedText: string;
  grid: string;
  zeroLine: string;
  fontFamily: string;
  fontSize: number;
  /** The tallest a figure may be drawn, in px (an export's page); none on screen. */
  maxHeightPx?: number;
  overlap: string;
  forget: string;
  emerge: string;
  train: string;
  heldOut: string;
  /** Probe accuracy on the analysed samples. */
  samples: string;
  /** Diverging colour scale for signed strengths, negative to positive. */
  diverging: [number, string][];
  /** One colour per interaction order (1-based), from low (dark) to high (light) orders. */
  orderColor(order: number, maxOrder: number): string;
}

/** Viridis-like stops: readable on white and on JupyterLab's dark grey. */
const ORDER_STOPS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#b5a626'];

function lerpHex(a: string, b: string, t: number): string {
  const pa = [1, 3, 5].map(i => parseInt(a.slice(i, i + 2), 16));
  const pb = [1, 3, 5].map(i => parseInt(b.slice(i, i + 2), 16));
  return (
    '#' +
    pa
      .map((v, i) =>
        Math.round(v + (pb[i] - v) * t)
          .toString(16)
          .padStart(2, '0')
      )
      .join('')
  );
}

export function orderColor(order: number, maxOrder: number, stops = ORDER_STOPS): string {
  if (maxOrder <= 1) {
    return stops[0];
  }
  const t = Math.min(Math.max((order - 1) / (maxOrder - 1), 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(t), stops.length - 2);
  return lerpHex(stops[i], stops[i + 1], t - i);
}

/** Blue (negative) through white to red (positive). */
export const DIVERGING: [number, string][] = [
  [0, '#2166ac'],
  [0.25, '#92c5de'],
  [0.5, '#f7f7f7'],
  [0.75, '#f4a582'],
  [1, '#b2182b']
];

/**
 * Exported figures are set in Arimo (SIL Open Font License, so a PDF may embed it), which has
 * the metrics of Arial and Liberation Sans: where a viewer of the SVG or PNG lacks Arimo, the
 * substitute takes the same room and the layout holds.
 */
export const PAPER_FONT = 'Arimo';

export function paperTheme(fontPx: number, maxHeightPx?: number): IPlotTheme {
  return {
    maxHeightPx,
    background: '#ffffff',
    plotBackground: '#ffffff',
    text: '#000000',
    mutedText: '#444444',
    grid: '#dddddd',
    zeroLine: '#888888',
    fontFamily: `${PAPER_FONT}, "Liberation Sans", Arial, Helvetica, sans-serif`,
    fontSize: fontPx,
    overlap: '#1f77b4',
    forget: '#ff7f0e',
    emerge: '#2ca02c',
    train: '#1f77b4',
    heldOut: '#d62728',
    samples: '#2ca02c',
    diverging: DIVERGING,
    orderColor
  };
}
