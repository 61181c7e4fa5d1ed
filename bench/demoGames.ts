/**
 * The bundled demo's real AND-OR problems: v_l(x_S) for every subset S, layer l and chosen
 * sample, exactly as analyze() hands them to the solver (the same probes, masking and
 * scalars), written as JSON for solver benchmarks such as bench/budgetSweep.ts.
 *
 * analyze() runs with a solveBatch that records each sample's problems and answers with the
 * Harsanyi transform only, so nothing is solved here. The n - k variable games are the
 * restrictions with the last k variables always present: with the default
 * unassignedInputs 'keep' that is what analyze() computes when those variables are dropped.
 *
 * npx tsx bench/demoGames.ts [OUT.json] [SAMPLES] (defaults: /tmp/layerwise-demo-games.json, 4)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { harsanyiOnly, type AndOrSolution } from '../src/engine/andOr';
import { analyze } from '../src/engine/analyze';
import { openRunner } from '../src/backend/modelRunners';
import { readModelArtifacts } from '../src/backend/modelLoader';
import { readNpy, toFloat32, toIntegers } from '../src/backend/npy';
import { selectBackend } from '../src/backend/tfjsBackend';
import { AnalysisSpec, specOptions } from '../src/protocol/spec';

const SPEC = join(__dirname, '..', 'examples', 'demo', 'spec.json');
/** Variable counts to write: the demo's n, and n - 2 (the last two variables always present). */
const DROPPED = [0, 2];

export interface DemoGame {
  sample: number;
  layer: string;
  n: number;
  values: number[];
}

/** v restricted to the subsets that contain the top `dropped` variables, as an n - dropped game. */
export function restrictPresent(values: Float64Array, n: number, dropped: number): Float64Array {
  const kept = n - dropped;
  const always = ((1 << dropped) - 1) << kept;
  return Float64Array.from({ length: 1 << kept }, (_, mask) => values[mask | always]);
}

/** The games of the first `samples` samples of a demo spec, restricted by each of `dropped`. */
export async function demoGames(
  samples: number,
  specPath = SPEC,
  dropped = DROPPED
): Promise<DemoGame[]> {
  const spec = AnalysisSpec.parse(JSON.parse(readFileSync(specPath, 'utf8')));
  const options = specOptions(spec);
  options.solver = { ...options.solver, kind: 'none' };
  const file = (path: string) => join(dirname(specPath), path);
  const rowsOf = async (path: string, count?: number) => {
    const array = await readNpy(file(path));
    const rows = Math.min(count ?? array.shape[0], array.shape[0]);
    const size = array.data.length / array.shape[0];
    return { data: toFloat32(array).subarray(0, rows * size), count: rows };
  };
  const labelsOf = async (path: string, count: number) =>
    toIntegers(await readNpy(file(path)), path).subarray(0, count);

  const selected = await selectBackend('tensorflow');
  const { modelJson, weights } = await readModelArtifacts(file(spec.model));
  const { runner, close } = await openRunner(
    { format: 'tfjs-layers', modelJson, weights },
    spec.model,
    selected.tfjsName
  );
  const samplesData = await rowsOf(spec.samples, samples);
  const training = spec.training ? await rowsOf(spec.training.inputs) : null;
  const problems: Float64Array[][] = [];
  const record = async (values: ArrayLike<number>[]): Promise<AndOrSolution[]> => {
    problems.push(values.map(v => Float64Array.from(v)));
    return values.map(v => harsanyiOnly(v));
  };
  try {
    const result = await analyze({
      runner,
      samples: samplesData,
      labels: spec.sampleLabels ? await labelsOf(spec.sampleLabels, samplesData.count) : null,
      training: training &&
        spec.training && {
          ...training,
          labels: await labelsOf(spec.training.labels, training.count)
        },
      options,
      source: spec.model,
      toolVersion: 'bench',
      solveBatch: record
    });
    const n = options.variables.length;
    return dropped.flatMap(k =>
      problems.flatMap((layers, sample) =>
        layers.map((values, l) => ({
          sample,
          layer: result.layers[l].name,
          n: n - k,
          values: Array.from(restrictPresent(values, n, k))
        }))
      )
    );
  } finally {
    close();
  }
}

if (require.main === module) {
  const out = process.argv[2] ?? '/tmp/layerwise-demo-games.json';
  demoGames(Number(process.argv[3] ?? 4)).then(
    games => {
      writeFileSync(out, JSON.stringify(games));
      console.log(`${games.length} games -> ${out}`);
    },
    error => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    }
  );
}
