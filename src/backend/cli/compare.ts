/**
 * `layerwise compare A/result.json B/result.json --out DIR`: how much two models trained for
 * the same task share their interactions (method.md 6, the paper's section 4): DIR/compare.json
 * and an offline DIR/compare.html.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareResults, matchLayers } from '../../engine/comparison';
import { comparisonFigure, KIND_LABEL, plotHeight } from '../../figures/builders';
import { paperTheme } from '../../figures/theme';
import { AnalysisResult, ComparisonFile, SCHEMA_VERSION } from '../../protocol/result';
import {
  keyValueRows,
  figureGrid,
  REFERENCE_SWITCH,
  renderPage,
  reportFigure,
  type IReportFigure
} from '../report';
import { parseCommandLine, requiredString } from './args';
import type { Command } from './command';
import { invalidFile, UserError } from './errors';
import { writeAtomic } from './output';

const usage = `usage: layerwise compare A/result.json B/result.json --out DIR [options]

Compares the salient interactions of two analyses of the same samples, variables and options
(e.g. two models trained for the same task): the IoU of their salient sets per layer pair,
kind and order, on the canonical optima, with its range over the alternative optima.

options:
  --out DIR               output folder for compare.json and compare.html (required)
  --layers A1:B1,A2:B2    the layer pairs to compare (default: layer i of A with layer i of B,
                          which needs models of the same analysed depth)`;

async function readResult(path: string): Promise<AnalysisResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not JSON: give the result.json of a layerwise analysis`);
  }
  const parsed = AnalysisResult.safeParse(json);
  if (!parsed.success) {
    const version = (json as { schemaVersion?: unknown })?.schemaVersion;
    if (typeof version === 'number' && version !== SCHEMA_VERSION) {
      throw new UserError(
        `${path} has result schema ${version}; this layerwise reads ${SCHEMA_VERSION}: analyse again`
      );
    }
    throw invalidFile(path, parsed.error);
  }
  return parsed.data;
}

function layerPairs(text: string | undefined): [string, string][] | undefined {
  if (text === undefined) {
    return undefined;
  }
  return text.split(',').map(pair => {
    const parts = pair.split(':');
    if (parts.length !== 2 || parts.some(p => p.trim() === '')) {
      throw new UserError(`--layers takes pairs A:B separated by commas, got '${pair}'`, 2);
    }
    return [parts[0].trim(), parts[1].trim()];
  });
}

const THEME = paperTheme(12);

export function renderComparison(
  file: ComparisonFile,
  a: AnalysisResult,
  b: AnalysisResult
): string {
  const iou: IReportFigure[] = (['and', 'or'] as const).map(kind => {
    const figure = comparisonFigure(file.rows, kind, THEME);
    return {
      id: `iou-${kind}`,
      title: figure.title,
      height: plotHeight(figure),
      variants: { final: { data: figure.data, layout: figure.layout, caption: figure.caption } }
    };
  });
  // each model's emergence and forgetting, side by side, AND then OR
  const sideBySide = (['and', 'or'] as const).flatMap(kind =>
    [a, b].map((result, i) => {
      const figure = reportFigure(result, 'strength', kind);
      const which = i === 0 ? 'A' : 'B';
      return { ...figure, id: `${which}-${figure.id}`, title: `${which}: ${figure.title}` };
    })
  );
  const rows: [string, string][] = [
    ['A', `${a.model.source} (analysed ${a.createdAt})`],
    ['B', `${b.model.source} (analysed ${b.createdAt})`],
    [
      'samples',
      `${a.samples.length} (indices ${a.samples.map(s => s.index).join(', ')}), n = ${a.variables.n}`
    ],
    ['layer pairs', [...new Set(file.rows.map(r => `${r.layerA} / ${r.layerB}`))].join(', ')]
  ];
  const hasSpread = file.rows.some(r => r.spread !== null);
  return renderPage({
    title: 'Layerwise comparison of two models',
    header: `<table>${keyValueRows(rows)}</table>`,
    body: `<h2>Shared interactions</h2>
<p>IoU of the two models' salient interaction sets at each layer pair, averaged over samples${
      hasSpread
        ? '; error bars: the range over the alternative optimal solutions (the same tie-break hash in both)'
        : ''
    }. ${KIND_LABEL.and} on the left, ${KIND_LABEL.or} on the right.</p>
${figureGrid(iou)}
<h2>Emergence and forgetting in each model</h2>
${REFERENCE_SWITCH}
${figureGrid(sideBySide)}`,
    figures: [...iou, ...sideBySide],
    data: file,
    fileName: 'compare.json'
  });
}

async function run(args: string[]): Promise<void> {
  const parsed = parseCommandLine(
    args,
    { out: { type: 'string' }, layers: { type: 'string' } },
    usage,
    2
  );
  const out = requiredString(parsed, 'out', usage);
  const [pathA, pathB] = parsed.positionals;
  const a = await readResult(pathA);
  const b = await readResult(pathB);
  const pairs = matchLayers(a, b, layerPairs(parsed.values.layers as string | undefined));
  const file = ComparisonFile.parse({
    schemaVersion: SCHEMA_VERSION,
    a: { source: a.model.source, createdAt: a.createdAt },
    b: { source: b.model.source, createdAt: b.createdAt },
    rows: compareResults(a, b, pairs)
  });
  const json = join(out, 'compare.json');
  const html = join(out, 'compare.html');
  await writeAtomic(json, JSON.stringify(file) + '\n');
  await writeAtomic(html, renderComparison(file, a, b));
  for (const [la, lb] of pairs) {
    const line = (['and', 'or'] as const)
      .map(kind => {
        const rows = file.rows.filter(
          r => r.layerA === a.layers[la].name && r.layerB === b.layers[lb].name && r.kind === kind
        );
        const ious = rows.map(r => (r.iou === null ? '–' : r.iou.toFixed(2))).join(' ');
        return `${KIND_LABEL[kind]} ${ious}`;
      })
      .join('; ');
    console.error(`${a.layers[la].name} / ${b.layers[lb].name}: IoU by order: ${line}`);
  }
  console.log(json);
  console.log(html);
}

export const compareCommand: Command = {
  summary: 'compare the interactions of two analyses (IoU of salient sets per layer and order)',
  usage,
  run
};
