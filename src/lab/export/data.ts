/**
 * A figure's numbers as CSV (RFC 4180 quoting) and JSON, with what is needed to reproduce
 * them: the view (AND/OR, reference layer) and the analysis options of the result.
 */
import type { AnalysisResult } from '../../protocol/result';
import type { Cell, IFigure, IFigureView } from '../../figures/builders';

function csvCell(value: Cell): string {
  if (value === null) {
    return '';
  }
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function figureCsv(figure: IFigure): string {
  const lines = [figure.table.columns, ...figure.table.rows].map(row => row.map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function figureJson(figure: IFigure, view: IFigureView, result: AnalysisResult): string {
  const records = figure.table.rows.map(row =>
    Object.fromEntries(figure.table.columns.map((column, i) => [column, row[i] ?? null]))
  );
  return JSON.stringify(
    {
      figure: figure.id,
      title: figure.title,
      kind: view.kind,
      reference: view.reference,
      model: result.model,
      variables: result.variables,
      options: result.options,
      createdAt: result.createdAt,
      rows: records
    },
    null,
    2
  );
}
