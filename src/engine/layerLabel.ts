/**
 * A layer as figures, CSV exports and the report name it: its name (for PyTorch, its path in
 * the module tree, e.g. `1` or `net.1`, the Sequential index alone saying nothing) with its
 * type, unless the name already says the type (Keras names layers `dense_1`, `conv2d`). The
 * name itself stays the layer's id: comparisons and the form match layers by it.
 */
export function layerLabel(name: string, className?: string): string {
  if (!className) {
    return name;
  }
  const squash = (text: string) => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  return squash(name).includes(squash(className)) ? name : `${name} (${className})`;
}
