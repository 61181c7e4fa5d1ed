/** A file name safe on every OS: letters, digits, dot, dash, underscore. */
export function safeFileName(stem: string, extension: string): string {
  const clean = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'figure';
  return `${clean}.${extension}`;
}
