/**
 * Just enough PDF reading to tell a vector figure from a picture: every stream of the file,
 * inflated when Flate-compressed, and counts of its path-painting operators and images.
 */
import { inflateSync } from 'zlib';

export interface IPdfSummary {
  pages: number;
  /** Path construction operators (m, l, c, v, y, h, re) over all content streams. */
  pathOperators: number;
  /** Fill and stroke operators (f, f*, F, S, s, B, B*, b, b*). */
  paintOperators: number;
  /** Text-showing operators (Tj, TJ). */
  textOperators: number;
  /** Image XObjects and inline images. */
  images: number;
}

const STREAM = /stream\r?\n/g;

function streams(pdf: Buffer): { dict: string; data: Buffer }[] {
  const found: { dict: string; data: Buffer }[] = [];
  const text = pdf.toString('latin1');
  let match: RegExpExecArray | null;
  while ((match = STREAM.exec(text)) !== null) {
    const start = match.index + match[0].length;
    const end = text.indexOf('endstream', start);
    if (end < 0) {
      break;
    }
    const dictStart = text.lastIndexOf('obj', match.index);
    const dict = text.slice(dictStart, match.index);
    let data = pdf.subarray(start, end);
    if (/\/FlateDecode/.test(dict)) {
      try {
        data = inflateSync(data);
      } catch {
        data = inflateSync(data.subarray(0, data.length - 1));
      }
    }
    found.push({ dict, data });
    // past the keyword: 'endstream' itself ends in 'stream'
    STREAM.lastIndex = end + 'endstream'.length;
  }
  return found;
}

function count(content: string, operators: string[]): number {
  const tokens = content.split(/[\s[\]()<>/]+/);
  const wanted = new Set(operators);
  return tokens.filter(t => wanted.has(t)).length;
}

export function summarisePdf(pdf: Buffer): IPdfSummary {
  const text = pdf.toString('latin1');
  const all = streams(pdf);
  const content = all
    .filter(s => !/\/Subtype\s*\/Image/.test(s.dict) && !/\/Length1/.test(s.dict))
    .map(s => s.data.toString('latin1'))
    .join('\n');
  return {
    pages: (text.match(/\/Type\s*\/Page\b/g) ?? []).length,
    pathOperators: count(content, ['m', 'l', 'c', 'v', 'y', 'h', 're']),
    paintOperators: count(content, ['f', 'f*', 'F', 'S', 's', 'B', 'B*', 'b', 'b*']),
    textOperators: count(content, ['Tj', 'TJ']),
    images: all.filter(s => /\/Subtype\s*\/Image/.test(s.dict)).length + count(content, ['BI'])
  };
}
