/**
 * A benchmark file run on its own (`npx tsx bench/NAME.ts`): prints its RESULTS.md section,
 * or the error, then exits non-zero.
 */
export function runAlone(section: Promise<string>): void {
  section.then(
    text => console.log(text),
    error => {
      console.error(error);
      process.exit(1);
    }
  );
}
