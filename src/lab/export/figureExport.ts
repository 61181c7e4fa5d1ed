/**
 * Figure exports for papers: SVG from Plotly, a vector PDF drawn from that SVG by svg2pdf.js
 * (paths and text, not a picture of the plot), PNG at a chosen scale. Every export is laid
 * out at the preset's size with the paper theme, independent of the panel's size and theme.
 */
import type { IFigure } from '../../figures/builders';
import { loadPlotly, type IPlotlyFigure } from '../plots/plotlyApi';
import { paperTheme, type IPlotTheme } from '../../figures/theme';
import { embedPaperFont, registerPaperFont } from './paperFont';
import {
  exportSize,
  MAX_HEIGHT_PX,
  presetFontPx,
  type IExportPreset,
  type IExportSize
} from './presets';

export type FigureBuilder = (theme: IPlotTheme) => IFigure;

function exportFigure(build: FigureBuilder, preset: IExportPreset): [IPlotlyFigure, IExportSize] {
  const figure = build(paperTheme(presetFontPx(preset), MAX_HEIGHT_PX));
  const size = exportSize(preset, figure.aspect, figure.minHeightPx);
  const layout: Record<string, unknown> = {
    ...figure.layout,
    width: size.widthPx,
    height: size.heightPx
  };
  if (preset.name === 'slide') {
    // A paper's caption carries the title; a slide needs it on the figure. The legend moves
    // to the right (a slide is wide), since Plotly would stack it over the title.
    layout.title = {
      text: figure.title,
      x: 0.01,
      xanchor: 'left',
      font: { size: size.fontPx * 1.2 }
    };
    layout.margin = { ...((figure.layout.margin as object) ?? {}), t: size.fontPx * 3.5 };
    layout.legend = {
      ...((figure.layout.legend as object) ?? {}),
      orientation: 'v',
      x: 1.02,
      xanchor: 'left',
      y: 1,
      yanchor: 'top'
    };
  }
  return [{ data: figure.data, layout, config: { staticPlot: true } }, size];
}

function decodeDataUrl(url: string): string {
  const comma = url.indexOf(',');
  const header = url.slice(0, comma);
  const body = url.slice(comma + 1);
  return header.endsWith(';base64') ? atob(body) : decodeURIComponent(body);
}

async function svgAndSize(
  build: FigureBuilder,
  preset: IExportPreset
): Promise<[string, IExportSize]> {
  const [Plotly] = await Promise.all([loadPlotly(), registerPaperFont()]);
  const [figure, size] = exportFigure(build, preset);
  const url = await Plotly.toImage(figure, {
    format: 'svg',
    width: size.widthPx,
    height: size.heightPx
  });
  return [decodeDataUrl(url), size];
}

export async function figureSvg(build: FigureBuilder, preset: IExportPreset): Promise<string> {
  return (await svgAndSize(build, preset))[0];
}

export async function figurePng(
  build: FigureBuilder,
  preset: IExportPreset,
  scale: number
): Promise<Blob> {
  const [Plotly] = await Promise.all([loadPlotly(), registerPaperFont()]);
  const [figure, size] = exportFigure(build, preset);
  const url = await Plotly.toImage(figure, {
    format: 'png',
    width: size.widthPx,
    height: size.heightPx,
    scale
  });
  const response = await fetch(url);
  return response.blob();
}

export async function figurePdf(build: FigureBuilder, preset: IExportPreset): Promise<Blob> {
  const [[svgText, size], [jspdf, svg2pdf]] = await Promise.all([
    svgAndSize(build, preset),
    Promise.all([import('jspdf'), import('svg2pdf.js')])
  ]);
  const svg = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
  if (svg.nodeName !== 'svg') {
    throw new Error('The plot could not be converted to SVG for the PDF export.');
  }
  const orientation = size.widthPt >= size.heightPt ? 'landscape' : 'portrait';
  const doc = new jspdf.jsPDF({
    orientation,
    unit: 'pt',
    format: [size.widthPt, size.heightPt],
    compress: true,
    // jsPDF lists the 14 standard fonts otherwise, unembedded, which checkers flag.
    putOnlyUsedFonts: true
  });
  await embedPaperFont(doc);
  // svg2pdf reads computed styles, so the SVG must be in the document while it is drawn.
  const host = document.createElement('div');
  host.style.cssText = 'position:fixed;left:-100000px;top:0;visibility:hidden';
  host.appendChild(svg);
  document.body.appendChild(host);
  try {
    await svg2pdf.svg2pdf(svg, doc, {
      x: 0,
      y: 0,
      width: size.widthPt,
      height: size.heightPt
    });
  } finally {
    host.remove();
  }
  return doc.output('blob');
}
