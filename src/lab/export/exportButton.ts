/**
 * One figure's download from a button: SVG, vector PDF, PNG at the preset's size, or its
 * numbers as CSV/JSON; the button is disabled meanwhile and a failure is shown, not thrown.
 */
import { showErrorMessage } from '@jupyterlab/apputils';
import type { IFigure } from '../../figures/builders';
import type { IPlotTheme } from '../../figures/theme';
import { figureCsv } from './data';
import { downloadBlob } from './download';
import { safeFileName } from './fileName';
import { figurePdf, figurePng, figureSvg, type FigureBuilder } from './figureExport';
import { EXPORT_PRESETS, type ExportPresetName } from './presets';

export type ExportFormat = 'svg' | 'pdf' | 'png' | 'csv' | 'json';

/** What one export needs: the figure, the format and preset, and its JSON form. */
export interface IExportJob {
  build: FigureBuilder;
  format: ExportFormat;
  preset: ExportPresetName;
  pngScale: number;
  screenTheme: IPlotTheme;
  stem: string;
  json: (figure: IFigure) => string;
}

/** Downloads one export of a figure; the button is disabled meanwhile, a failure shown. */
export async function exportWithButton(button: HTMLButtonElement, job: IExportJob) {
  const preset = EXPORT_PRESETS[job.preset];
  button.disabled = true;
  try {
    let blob: Blob;
    switch (job.format) {
      case 'svg':
        blob = new Blob([await figureSvg(job.build, preset)], { type: 'image/svg+xml' });
        break;
      case 'pdf':
        blob = await figurePdf(job.build, preset);
        break;
      case 'png':
        blob = await figurePng(job.build, preset, job.pngScale);
        break;
      case 'csv':
        blob = new Blob([figureCsv(job.build(job.screenTheme))], { type: 'text/csv' });
        break;
      case 'json':
        blob = new Blob([job.json(job.build(job.screenTheme))], { type: 'application/json' });
        break;
    }
    downloadBlob(blob, safeFileName(job.stem, job.format));
  } catch (error) {
    void showErrorMessage('Export failed', String((error as Error).message ?? error));
  } finally {
    button.disabled = false;
  }
}
