/**
 * Plot colours and fonts. On screen they follow JupyterLab's theme through its --jp-* CSS
 * variables (light and dark); exports always use the paper theme (white, black text), since
 * a figure in a paper must not depend on the theme its author happened to use.
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
  overlap: string;
  forget: string;
  emerge: string;
  train: string;
  heldOut: string;
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

const DIVERGING: [number, string][] = [
  [0, '#2166ac'],
  [0.25, '#92c5de'],
  [0.5, '#f7f7f7'],
  [0.75, '#f4a582'],
  [1, '#b2182b']
];

const DIVERGING_DARK: [number, string][] = [
  [0, '#4393c3'],
  [0.25, '#2c4f6b'],
  [0.5, '#222222'],
  [0.75, '#7a3b2e'],
  [1, '#e0604f']
];

export function paperTheme(fontPx: number): IPlotTheme {
  return {
    background: '#ffffff',
    plotBackground: '#ffffff',
    text: '#000000',
    mutedText: '#444444',
    grid: '#dddddd',
    zeroLine: '#888888',
    fontFamily: 'Helvetica, Arial, sans-serif',
    fontSize: fontPx,
    overlap: '#1f77b4',
    forget: '#ff7f0e',
    emerge: '#2ca02c',
    train: '#1f77b4',
    heldOut: '#d62728',
    diverging: DIVERGING,
    orderColor
  };
}

/**
 * The on-screen theme from JupyterLab's CSS variables; `read` returns a variable's value
 * ('' when unset), so this runs against getComputedStyle in the browser and a map in tests.
 */
export function jupyterTheme(read: (name: string) => string, isLight: boolean): IPlotTheme {
  const pick = (name: string, fallback: string) => read(name).trim() || fallback;
  const fontSize = parseFloat(pick('--jp-ui-font-size1', '13px'));
  return {
    background: pick('--jp-layout-color1', isLight ? '#ffffff' : '#111111'),
    plotBackground: pick('--jp-layout-color1', isLight ? '#ffffff' : '#111111'),
    text: pick('--jp-ui-font-color1', isLight ? '#000000' : '#ffffff'),
    mutedText: pick('--jp-ui-font-color2', isLight ? '#555555' : '#bbbbbb'),
    grid: pick('--jp-border-color2', isLight ? '#e0e0e0' : '#444444'),
    zeroLine: pick('--jp-border-color1', isLight ? '#bdbdbd' : '#616161'),
    fontFamily: pick('--jp-ui-font-family', 'sans-serif'),
    fontSize: isFinite(fontSize) ? fontSize : 13,
    overlap: pick('--jp-brand-color1', '#1976d2'),
    forget: pick('--jp-warn-color1', '#f57c00'),
    emerge: pick('--jp-success-color1', '#388e3c'),
    train: pick('--jp-brand-color1', '#1976d2'),
    heldOut: pick('--jp-error-color1', '#d32f2f'),
    diverging: isLight ? DIVERGING : DIVERGING_DARK,
    orderColor: isLight
      ? orderColor
      : (order, maxOrder) =>
          orderColor(order, maxOrder, ['#6b4ba8', '#4f7fd1', '#2fb3a8', '#7ed957', '#f2e35b'])
  };
}
