/**
 * The panel's on-screen plot theme: it follows JupyterLab's --jp-* CSS variables, light and
 * dark.
 */
import { DIVERGING, orderColor, type IPlotTheme } from '../../figures/theme';

const DIVERGING_DARK: [number, string][] = [
  [0, '#4393c3'],
  [0.25, '#2c4f6b'],
  [0.5, '#222222'],
  [0.75, '#7a3b2e'],
  [1, '#e0604f']
];

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
    samples: pick('--jp-success-color1', '#388e3c'),
    diverging: isLight ? DIVERGING : DIVERGING_DARK,
    orderColor: isLight
      ? orderColor
      : (order, maxOrder) =>
          orderColor(order, maxOrder, ['#6b4ba8', '#4f7fd1', '#2fb3a8', '#7ed957', '#f2e35b'])
  };
}
