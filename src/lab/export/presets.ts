/**
 * Paper presets: figure width and font size, so an exported figure drops into a two-column
 * paper (ICML/NeurIPS-like column widths) or a 16:9 slide at 100% scale without resizing.
 */
export type ExportPresetName = 'single-column' | 'double-column' | 'slide';

export interface IExportPreset {
  name: ExportPresetName;
  label: string;
  widthInches: number;
  /** Base font size in points at 100% scale. */
  fontPoints: number;
}

export const EXPORT_PRESETS: Readonly<Record<ExportPresetName, IExportPreset>> = Object.freeze({
  'single-column': {
    name: 'single-column',
    label: 'Single column (3.25 in, 8 pt)',
    widthInches: 3.25,
    fontPoints: 8
  },
  'double-column': {
    name: 'double-column',
    label: 'Double column (6.75 in, 9 pt)',
    widthInches: 6.75,
    fontPoints: 9
  },
  slide: { name: 'slide', label: 'Slide (10 in, 14 pt)', widthInches: 10, fontPoints: 14 }
});

/** The tallest export: a page's text block. */
const MAX_HEIGHT_INCHES = 9;

/** CSS pixels per inch: Plotly lays out in CSS pixels, SVG user units are CSS pixels. */
export const PX_PER_INCH = 96;
export const PT_PER_INCH = 72;

export interface IExportSize {
  /** Plotly layout size in CSS pixels. */
  widthPx: number;
  heightPx: number;
  /** Plotly font size in CSS pixels, so that it prints at the preset's points. */
  fontPx: number;
  /** The same box in PDF points. */
  widthPt: number;
  heightPt: number;
}

/** A preset's font size in CSS pixels, Plotly's unit, so that it prints at its points. */
export function presetFontPx(preset: IExportPreset): number {
  return (preset.fontPoints * PX_PER_INCH) / PT_PER_INCH;
}

/** The page height an export may take, in CSS pixels. */
export const MAX_HEIGHT_PX = MAX_HEIGHT_INCHES * PX_PER_INCH;

/**
 * The export box of a figure whose height is `aspect` times its width, or `minHeightPx` if
 * that is more; the height is kept within a page (at most 9 in) so a tall heat map still fits.
 */
export function exportSize(preset: IExportPreset, aspect: number, minHeightPx = 0): IExportSize {
  const widthIn = preset.widthInches;
  const heightIn = Math.min(
    Math.max(widthIn * aspect, minHeightPx / PX_PER_INCH, 1.5),
    MAX_HEIGHT_INCHES
  );
  const widthPx = Math.round(widthIn * PX_PER_INCH);
  const heightPx = Math.round(heightIn * PX_PER_INCH);
  const ptPerPx = PT_PER_INCH / PX_PER_INCH;
  return {
    widthPx,
    heightPx,
    fontPx: presetFontPx(preset),
    widthPt: widthPx * ptPerPx,
    heightPt: heightPx * ptPerPx
  };
}
