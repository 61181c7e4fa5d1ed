/** Numbers in words, free of the DOM: the panel and the HTML report say them alike. */

/** A share such as a relative gap: a percentage from 0.1% up, below that a power of ten. */
export function formatShare(share: number): string {
  if (share === 0) {
    return '0';
  }
  return share >= 1e-3 ? `${(100 * share).toPrecision(2)}%` : share.toExponential(0);
}

export function formatSeconds(seconds: number): string {
  if (seconds < 1) {
    return 'under a second';
  }
  if (seconds < 90) {
    return `${Math.round(seconds)} s`;
  }
  if (seconds < 5400) {
    return `${Math.round(seconds / 60)} min`;
  }
  return `${(seconds / 3600).toFixed(1)} h`;
}
