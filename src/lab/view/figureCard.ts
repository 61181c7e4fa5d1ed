/**
 * One figure's card in the panel, its title, its export buttons and its plot, and how a
 * figure is drawn into it: the same for the analysis' figures and the comparison's.
 */
import type { IFigure } from '../../figures/builders';
import type { ExportFormat } from '../export/exportButton';
import type { IPlotly } from '../plots/plotlyApi';
import { h } from './dom';

const FORMATS: ExportFormat[] = ['svg', 'pdf', 'png', 'csv', 'json'];

/** The card and its plot's element; `onExport` runs when an export button is pressed. */
export function figureCard(
  id: string,
  onExport: (format: ExportFormat, button: HTMLButtonElement) => void
): { card: HTMLElement; plot: HTMLElement } {
  const plot = h('div', { class: 'jp-Layerwise-plot', 'data-figure': id });
  const buttons = FORMATS.map(format => {
    const button = h(
      'button',
      {
        type: 'button',
        class: 'jp-mod-styled jp-Layerwise-export',
        'data-format': format,
        title: `Download this figure as ${format.toUpperCase()}`
      },
      format.toUpperCase()
    );
    button.addEventListener('click', () => onExport(format, button));
    return button;
  });
  const card = h(
    'section',
    { class: 'jp-Layerwise-figure', 'data-figure': id },
    h('header', {}, h('h3', {}), h('div', { class: 'jp-Layerwise-exports' }, ...buttons)),
    plot,
    h('p', { class: 'jp-Layerwise-caption' })
  );
  return { card, plot };
}

/** Draws a figure into its card's plot, and titles and captions the card. */
export async function drawFigure(
  plotly: IPlotly,
  plot: HTMLElement,
  figure: IFigure,
  height: number
): Promise<void> {
  const heading = plot.parentElement?.querySelector('h3');
  if (heading) {
    heading.textContent = figure.title;
  }
  const caption = plot.parentElement?.querySelector('.jp-Layerwise-caption');
  if (caption) {
    caption.textContent = figure.caption;
  }
  plot.style.height = `${height}px`;
  await plotly.react(plot, figure.data, figure.layout, {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ['toImage', 'select2d', 'lasso2d']
  });
}
