import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { figureCsv, figureJson } from '../../src/lab/export/data';
import { EXPORT_PRESETS, exportSize } from '../../src/lab/export/presets';
import { safeFileName } from '../../src/lab/export/fileName';
import { strengthFigure, type IFigure } from '../../src/figures/builders';
import { paperTheme } from '../../src/figures/theme';
import { DEFAULT_SETTINGS, readSettings } from '../../src/lab/settings';
import { sampleResult } from './fixtures';

const view = { kind: 'and' as const, reference: 'final' as const, heatmapInteractions: 40 };

test('CSV has a header and one line per table row, with RFC 4180 quoting', () => {
  const figure: IFigure = {
    ...strengthFigure(sampleResult(), view, paperTheme(10)),
    table: {
      columns: ['name', 'value'],
      rows: [
        ['a,b', 1],
        ['say "hi"', null]
      ]
    }
  };
  assert.equal(figureCsv(figure), 'name,value\r\n"a,b",1\r\n"say ""hi""",\r\n');
});

test('JSON export carries the view, the options and one record per row', () => {
  const result = sampleResult();
  const figure = strengthFigure(result, view, paperTheme(10));
  const parsed = JSON.parse(figureJson(figure, view, result));
  assert.equal(parsed.kind, 'and');
  assert.equal(parsed.rows.length, figure.table.rows.length);
  assert.equal(parsed.rows[0].layer, 'dense');
  assert.deepEqual(parsed.options.variables, [[0], [1], [2]]);
});

test('presets: a single-column figure is 3.25 in wide with 8 pt text', () => {
  const size = exportSize(EXPORT_PRESETS['single-column'], 0.75);
  assert.equal(size.widthPx, 312);
  assert.equal(size.widthPt, 234);
  assert.ok(Math.abs(size.fontPx * 0.75 - 8) < 1e-9);
  assert.ok(Math.abs(size.heightPt / size.widthPt - size.heightPx / size.widthPx) < 1e-12);
  assert.equal(exportSize(EXPORT_PRESETS.slide, 10).heightPt, 9 * 72);
  // A figure's own least height wins over its aspect, up to the page (9 in = 864 px).
  assert.equal(exportSize(EXPORT_PRESETS['single-column'], 0.5, 400).heightPx, 400);
  assert.equal(exportSize(EXPORT_PRESETS['single-column'], 0.5, 2000).heightPx, 864);
});

test('file names are safe', () => {
  assert.equal(safeFileName('layerwise strength/AND', 'svg'), 'layerwise-strength-AND.svg');
  assert.equal(safeFileName('///', 'pdf'), 'figure.pdf');
});

test('settings defaults match the schema, and bad values fall back to them', () => {
  const schema = JSON.parse(readFileSync('schema/analyze.json', 'utf8'));
  for (const [key, value] of Object.entries(DEFAULT_SETTINGS)) {
    assert.deepEqual(schema.properties[key]?.default, value, key);
  }
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(DEFAULT_SETTINGS).sort());
  const read = readSettings({ variables: 4, solver: 7, samples: Number.NaN, unknown: 1 });
  assert.equal(read.variables, 4);
  assert.equal(read.solver, 'exact');
  assert.equal(read.samples, DEFAULT_SETTINGS.samples);
  assert.equal((read as unknown as Record<string, unknown>).unknown, undefined);
});
