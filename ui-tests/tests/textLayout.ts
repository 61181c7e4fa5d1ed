/**
 * Text layout checks on an exported SVG, run in the browser, where text has real glyph
 * metrics: no two text elements may overlap, and none may reach past the figure's edge.
 * Boxes are each text's own bounding box carried through its transforms, so rotated tick
 * labels are compared as the rotated rectangles they are.
 */

export interface ITextProblem {
  kind: 'overlap' | 'clipped';
  texts: string[];
  /** How far into each other (overlap) or past the edge (clipped), in CSS pixels. */
  depth: number;
}

/**
 * The problems of one SVG document (its source text). Serialisable, with no closures, so
 * Playwright can run it in the page: `page.evaluate(textProblems, svgText)`.
 */
export function textProblems(svgText: string): ITextProblem[] {
  // Text closer than this is allowed: glyph boxes include the font's line gap.
  const tolerance = 1;
  const host = document.createElement('div');
  host.style.cssText = 'position:absolute;left:0;top:0';
  host.innerHTML = svgText;
  document.body.appendChild(host);
  try {
    const svg = host.querySelector('svg') as SVGSVGElement;
    const width = Number(svg.getAttribute('width'));
    const height = Number(svg.getAttribute('height'));
    const rootInverse = svg.getScreenCTM()!.inverse();
    const boxes: { text: string; corners: DOMPoint[] }[] = [];
    for (const element of Array.from(svg.querySelectorAll('text'))) {
      const text = (element.textContent ?? '').trim();
      const box = element.getBBox();
      const ctm = element.getScreenCTM();
      if (text === '' || box.width === 0 || box.height === 0 || ctm === null) {
        continue;
      }
      const toRoot = rootInverse.multiply(ctm);
      const corners = [
        [box.x, box.y],
        [box.x + box.width, box.y],
        [box.x + box.width, box.y + box.height],
        [box.x, box.y + box.height]
      ].map(([x, y]) => new DOMPoint(x, y).matrixTransform(toRoot));
      boxes.push({ text, corners });
    }
    const problems: ITextProblem[] = [];
    for (const { text, corners } of boxes) {
      const past = Math.max(
        ...corners.map(p => Math.max(-p.x, p.x - width, -p.y, p.y - height)),
        0
      );
      if (past > tolerance) {
        problems.push({ kind: 'clipped', texts: [text], depth: past });
      }
    }
    // Separating axes of two convex quadrilaterals: they overlap by the least penetration
    // over the four edge normals.
    const penetration = (a: DOMPoint[], b: DOMPoint[]): number => {
      let least = Infinity;
      for (const quad of [a, b]) {
        for (let i = 0; i < 2; i++) {
          const dx = quad[i + 1].x - quad[i].x;
          const dy = quad[i + 1].y - quad[i].y;
          const length = Math.hypot(dx, dy);
          if (length === 0) {
            continue;
          }
          const [nx, ny] = [-dy / length, dx / length];
          const project = (q: DOMPoint[]) => q.map(p => p.x * nx + p.y * ny);
          const pa = project(a);
          const pb = project(b);
          const overlap =
            Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb));
          least = Math.min(least, overlap);
        }
      }
      return least;
    };
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const depth = penetration(boxes[i].corners, boxes[j].corners);
        if (depth > tolerance) {
          problems.push({ kind: 'overlap', texts: [boxes[i].text, boxes[j].text], depth });
        }
      }
    }
    return problems;
  } finally {
    host.remove();
  }
}
