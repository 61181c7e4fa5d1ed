/**
 * The paper font (figures/theme.ts) in the browser: fetched once, on the first export, and
 * registered with the page, so Plotly lays the figure out with the glyphs the PDF embeds.
 * Journals' submission checkers reject PDFs whose fonts are not embedded.
 */
import type { jsPDF } from 'jspdf';
import regularUrl from '@expo-google-fonts/arimo/400Regular/Arimo_400Regular.ttf';
import { PAPER_FONT } from '../../figures/theme';

let loading: Promise<ArrayBuffer> | null = null;

function fontBytes(): Promise<ArrayBuffer> {
  if (loading === null) {
    loading = fetch(regularUrl).then(response => {
      if (!response.ok) {
        throw new Error(`The figure font could not be loaded (HTTP ${response.status}).`);
      }
      return response.arrayBuffer();
    });
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

let registered: Promise<void> | null = null;

/** Makes the paper font available to the page's text layout (Plotly measures with it). */
export function registerPaperFont(): Promise<void> {
  if (registered === null) {
    registered = fontBytes().then(async bytes => {
      const face = new FontFace(PAPER_FONT, bytes);
      await face.load();
      document.fonts.add(face);
    });
    registered.catch(() => {
      registered = null;
    });
  }
  return registered;
}

function base64(bytes: ArrayBuffer): string {
  const view = new Uint8Array(bytes);
  const chunks: string[] = [];
  // String.fromCharCode takes its arguments on the stack: a whole font would overflow it.
  for (let i = 0; i < view.length; i += 0x8000) {
    chunks.push(String.fromCharCode(...view.subarray(i, i + 0x8000)));
  }
  return btoa(chunks.join(''));
}

/** Adds the paper font to a PDF; svg2pdf.js then draws the figure's text with it, embedded. */
export async function embedPaperFont(doc: jsPDF): Promise<void> {
  const file = `${PAPER_FONT}-Regular.ttf`;
  doc.addFileToVFS(file, base64(await fontBytes()));
  doc.addFont(file, PAPER_FONT, 'normal');
}
