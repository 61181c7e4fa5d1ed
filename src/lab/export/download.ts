/** Saves a blob through the browser's download, named after the figure and format. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  anchor.style.display = 'none';
  document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // The browser has started reading the blob once click() returns; revoke later to be safe.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
