/**
 * The slice of Plotly's API the panel uses, and its lazy loader: the bundle (about 1 MB) is
 * fetched the first time a plot is drawn, not when JupyterLab starts.
 */
import type { Layout, Trace } from '../../figures/builders';

export interface IPlotlyFigure {
  data: Trace[];
  layout: Layout;
  config?: Record<string, unknown>;
}

export interface IImageOptions {
  format: 'svg' | 'png';
  width: number;
  height: number;
  scale?: number;
}

export interface IPlotly {
  react(
    root: HTMLElement,
    data: Trace[],
    layout: Layout,
    config?: Record<string, unknown>
  ): Promise<HTMLElement>;
  purge(root: HTMLElement): void;
  /** Renders a figure offscreen; resolves to a data URL. */
  toImage(figure: IPlotlyFigure | HTMLElement, options: IImageOptions): Promise<string>;
  Plots: { resize(root: HTMLElement): Promise<void> | void };
}

let loading: Promise<IPlotly> | null = null;

export function loadPlotly(): Promise<IPlotly> {
  if (loading === null) {
    loading = import('plotly.js-cartesian-dist-min').then(
      module => ((module as { default?: IPlotly }).default ?? module) as IPlotly
    );
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}
