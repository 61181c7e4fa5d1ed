/**
 * Trains the demo model: an MLP-7 (like the paper's, narrower) on scikit-learn's digits, with
 * TF.js on its CPU backend, seeded (initialisers and batch order), and saves it as
 * examples/demo/model/{model.json,weights.bin}. Run scripts/make_demo_data.py first.
 *
 * Usage: npx tsx scripts/train-demo.ts [OUT_DIR]   (default examples/demo/model)
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readNpy, toFloat32, toIntegers } from '../src/backend/npy';
import { saveModelToDir } from '../src/backend/modelLoader';
import { uniformGenerator } from '../src/engine/random';

const SEED = 7;
const HIDDEN_LAYERS = 6;
const WIDTH = 128;
const EPOCHS = 40;
const BATCH = 64;
const LEARNING_RATE = 1e-3;

const root = join(__dirname, '..');
const demo = join(root, 'examples', 'demo');

function permutation(count: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function buildModel(inputShape: number[], classes: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape, name: 'flatten' }));
  for (let i = 0; i < HIDDEN_LAYERS; i++) {
    model.add(
      tf.layers.dense({
        units: WIDTH,
        activation: 'relu',
        name: `dense_${i + 1}`,
        kernelInitializer: tf.initializers.heUniform({ seed: SEED + i })
      })
    );
  }
  model.add(
    tf.layers.dense({
      units: classes,
      activation: 'softmax',
      name: 'logits',
      kernelInitializer: tf.initializers.glorotUniform({ seed: SEED + HIDDEN_LAYERS })
    })
  );
  return model;
}

async function load(name: string) {
  return readNpy(join(demo, 'data', `${name}.npy`));
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const [trainX, trainY, testX, testY] = await Promise.all(
    ['train_x', 'train_y', 'test_x', 'test_y'].map(load)
  );
  const inputShape = trainX.shape.slice(1);
  const size = inputShape.reduce((a, b) => a * b, 1);
  const xs = toFloat32(trainX);
  const ys = toIntegers(trainY, 'train_y');
  const classes = Math.max(...ys) + 1;
  const model = buildModel(inputShape, classes);
  model.compile({
    optimizer: tf.train.adam(LEARNING_RATE),
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy']
  });

  const random = uniformGenerator(SEED);
  const count = ys.length;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    const order = permutation(count, random);
    const batchX = new Float32Array(count * size);
    const batchY = new Float32Array(count);
    order.forEach((from, to) => {
      batchX.set(xs.subarray(from * size, (from + 1) * size), to * size);
      batchY[to] = ys[from];
    });
    const x = tf.tensor(batchX, [count, ...inputShape]);
    const y = tf.tensor(batchY, [count, 1]);
    const history = await model.fit(x, y, {
      batchSize: BATCH,
      epochs: 1,
      shuffle: false,
      verbose: 0
    });
    tf.dispose([x, y]);
    if ((epoch + 1) % 10 === 0) {
      const loss = history.history.loss[0] as number;
      console.error(`epoch ${epoch + 1}: loss ${loss.toFixed(4)}`);
    }
  }

  const predicted = tf.tidy(() =>
    (model.predict(tf.tensor(toFloat32(testX), testX.shape)) as tf.Tensor).argMax(-1)
  );
  const guesses = await predicted.data();
  predicted.dispose();
  const labels = toIntegers(testY, 'test_y');
  const correct = labels.filter((label, i) => guesses[i] === label).length;
  console.error(
    `test accuracy: ${(correct / labels.length).toFixed(4)} (${correct}/${labels.length})`
  );

  const out = process.argv[2] ?? join(demo, 'model');
  await saveModelToDir(model, out);
  console.error(`saved ${out}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
