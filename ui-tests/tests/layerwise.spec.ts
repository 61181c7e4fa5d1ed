/**
 * The researcher's path through Layerwise: open the demo notebook, run it, right-click the
 * model cell, Analyze layers, run a small analysis, read the plots, switch AND/OR, export
 * SVG and PDF and check the files, and find the result again when the notebook reopens.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import type { Download, Locator, Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import * as path from 'path';
import { summarisePdf } from './pdf';
import { textProblems } from './textLayout';

// scripts/test-wheel.sh points this at a copy outside the repository.
const EXAMPLES =
  process.env.LAYERWISE_UI_EXAMPLES ?? path.resolve(__dirname, '..', '..', 'examples');
const DEMO = path.join(EXAMPLES, 'demo.ipynb');
const TORCH_DEMO = path.join(EXAMPLES, 'pytorch_demo.ipynb');
/** The model cell of both example notebooks. */
const MODEL_CELL = 3;
/**
 * Small enough for 2 CPU cores: 2 samples, n = 4 patches (16 masked passes per sample), 500
 * training rows for the probes. LAYERWISE_UI_SOLVER picks another solver than the default.
 */
const SETTINGS = {
  variables: 4,
  samples: 2,
  trainRows: 500,
  heatmapInteractions: 12,
  solver: process.env.LAYERWISE_UI_SOLVER ?? 'exact'
};

test.use({ mockSettings: { ...galata.DEFAULT_SETTINGS, 'layerwise:analyze': SETTINGS } });

async function openDemo(page: Page, tmpPath: string, notebook = DEMO): Promise<void> {
  const name = path.basename(notebook);
  await page.contents.uploadFile(notebook, `${tmpPath}/${name}`);
  await page.notebook.openByPath(`${tmpPath}/${name}`);
  await page.notebook.activate(name);
}

/**
 * Runs the example notebook (its model trains in a cell), right-clicks the model cell and
 * waits for the form; returns the panel.
 */
async function configureTrainedModel(
  page: Page,
  tmpPath: string,
  notebook: string,
  modelName: string
): Promise<Locator> {
  await openDemo(page, tmpPath, notebook);
  await page.notebook.run();
  const evaluate = await page.notebook.getCellTextOutput(MODEL_CELL + 1);
  expect(evaluate?.join('')).toMatch(/test accuracy 0\.\d+/);

  await analyzeModelCell(page);
  const panel = page.locator('.jp-Layerwise-panel');
  await expect(panel).toHaveAttribute('data-phase', 'configuring', { timeout: 120_000 });
  await expect(panel.locator('.jp-Layerwise-modelSummary')).toContainText(modelName);
  return panel;
}

/** The figures of a finished analysis (five, six with stability) are drawn; returns the view. */
async function expectFigures(panel: Locator, count = 5): Promise<Locator> {
  const results = panel.locator('.jp-Layerwise-results');
  await expect(results).toHaveAttribute('data-rendered', 'and-final', { timeout: 60_000 });
  await expect(results.locator('.jp-Layerwise-plot .main-svg').first()).toBeVisible();
  await expect(results.locator('.jp-Layerwise-figure')).toHaveCount(count);
  for (const figure of await results.locator('.jp-Layerwise-plot').all()) {
    await expect(figure.locator('.main-svg').first()).toBeAttached();
  }
  return results;
}

/** Runs the configured analysis; fails with the panel's message unless it ends done. */
async function runToResult(panel: Locator): Promise<void> {
  await panel.locator('.jp-Layerwise-run').click();
  await expect(panel.locator('.jp-Layerwise-progress')).toBeVisible();
  await expect(panel).toHaveAttribute('data-phase', /done|failed|cancelled/, {
    timeout: 6 * 60_000
  });
  expect(
    await panel.getAttribute('data-phase'),
    (await panel.locator('.jp-Layerwise-messageText').textContent()) ?? ''
  ).toBe('done');
}

async function analyzeModelCell(page: Page): Promise<void> {
  const cell = await page.notebook.getCellLocator(MODEL_CELL);
  expect(cell).not.toBeNull();
  await cell!.locator('.jp-InputArea-editor').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Analyze layers' }).click();
}

async function saveDownload(page: Page, click: () => Promise<void>): Promise<[Download, Buffer]> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = await download.path();
  return [download, readFileSync(file)];
}

/** pdffonts' table: one row per font, [name, embedded?]. */
function pdfFonts(file: string): [string, string][] {
  const rows = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
  // columns: name type... encoding emb sub uni object ID
  return rows.map(row => {
    const cells = row.trim().split(/\s+/);
    return [cells[0], cells[cells.length - 5]];
  });
}

const PRESETS = ['single-column', 'double-column', 'slide'];

/**
 * Exports every figure of `cards` (by data-figure id) in every preset, as the panel's preset
 * picker in `results` sets it: the SVG's text must neither overlap nor be cut off, and the PDF
 * must embed its fonts and render in poppler. Returns the text problems, each figure whose
 * SVG has some attached to the test's report.
 */
async function exportProblems(
  page: Page,
  results: Locator,
  cards: Locator,
  ids: string[]
): Promise<string[]> {
  const problems: string[] = [];
  for (const preset of PRESETS) {
    await results.locator('.jp-Layerwise-preset').selectOption(preset);
    for (const id of ids) {
      const card = cards.locator(`[data-figure="${id}"].jp-Layerwise-figure`);
      const [, svg] = await saveDownload(page, () => card.locator('[data-format="svg"]').click());
      const found = await page.evaluate(textProblems, svg.toString('utf8'));
      for (const p of found) {
        problems.push(`${id} ${preset}: ${p.kind} ${JSON.stringify(p.texts)} ${p.depth}px`);
      }
      if (found.length > 0) {
        await test
          .info()
          .attach(`${id}-${preset}.svg`, { body: svg, contentType: 'image/svg+xml' });
      }
      const [pdfDownload] = await saveDownload(page, () =>
        card.locator('[data-format="pdf"]').click()
      );
      const file = await pdfDownload.path();
      const fonts = pdfFonts(file);
      expect(fonts.length, `${id} ${preset}: fonts`).toBeGreaterThan(0);
      for (const [name, embedded] of fonts) {
        expect(embedded, `${id} ${preset}: ${name} embedded`).toBe('yes');
      }
      // poppler draws it: the PDF is well formed, not merely parsed by our own reader
      execFileSync('pdftoppm', ['-r', '30', '-png', '-singlefile', file, file]);
      expect(readFileSync(`${file}.png`).subarray(1, 4).toString('latin1')).toBe('PNG');
    }
  }
  return problems;
}

/** The 'layerA/layerB' pairs of a comparison figure's CSV export, in order, once each. */
async function comparedPairs(page: Page, comparison: Locator, figure: string): Promise<string[]> {
  const [, csv] = await saveDownload(page, () =>
    comparison.locator(`[data-figure="${figure}"] [data-format="csv"]`).click()
  );
  const rows = csv.toString('utf8').split('\r\n').slice(1, -1);
  return [...new Set(rows.map(line => line.split(',').slice(0, 2).join('/')))];
}

test('context menu opens the panel beside the notebook', async ({ page, tmpPath }) => {
  await openDemo(page, tmpPath);
  await analyzeModelCell(page);
  const panel = page.locator('.jp-Layerwise-panel');
  await expect(panel).toBeVisible();
  // Split right of the notebook: both are visible side by side.
  const notebookBox = await page.locator('.jp-NotebookPanel').first().boundingBox();
  const panelBox = await panel.boundingBox();
  expect(panelBox!.x).toBeGreaterThan(notebookBox!.x + notebookBox!.width / 2);
  // The kernel has not run the cell: the panel says what to do instead of failing silently.
  await expect(panel).toHaveAttribute('data-phase', 'failed', { timeout: 120_000 });
  await expect(panel.locator('.jp-Layerwise-messageText')).toContainText(
    'This cell has not run in this kernel yet'
  );
  await expect(panel.locator('.jp-Layerwise-retry')).toBeVisible();
});

test('analyze the demo model, switch AND/OR, export SVG and PDF, reopen', async ({
  page,
  tmpPath
}) => {
  const panel = await configureTrainedModel(page, tmpPath, DEMO, 'digits_mlp');
  // The settings' n = 4 patches are picked on the digit; toggling one updates n.
  const picked = panel.locator('.jp-Layerwise-patch.jp-mod-selected');
  await expect(picked).toHaveCount(SETTINGS.variables);
  const free = panel.locator('.jp-Layerwise-patch:not(.jp-mod-selected)').first();
  await free.click();
  await expect(panel.locator('.jp-Layerwise-n')).toHaveText('(n = 5)');
  await panel.locator('.jp-Layerwise-patch.jp-mod-selected').last().click();
  await expect(panel.locator('.jp-Layerwise-n')).toHaveText('(n = 4)');
  // One name per variable, the user's: on the patch, then in the figures and their CSV.
  const firstName = panel.locator('.jp-Layerwise-varName').first();
  await firstName.fill('stroke');
  await firstName.press('Enter');
  await expect(picked.first().locator('.jp-Layerwise-patchName')).toHaveText('stroke');
  await expect(panel.locator('.jp-Layerwise-sampleCount')).toHaveValue(String(SETTINGS.samples));

  // Compute afresh (the backend's store may hold this result from an earlier run), and
  // cancel: it stops the running job and returns to the form.
  await panel.locator('.jp-Layerwise-useCache').uncheck();
  await panel.locator('.jp-Layerwise-run').click();
  await expect(panel.locator('.jp-Layerwise-progress')).toBeVisible();
  await expect(panel).toHaveAttribute('data-phase', 'running', { timeout: 120_000 });
  await panel.locator('.jp-Layerwise-cancel').click();
  await expect(panel).toHaveAttribute('data-phase', 'cancelled', { timeout: 60_000 });
  await expect(panel.locator('.jp-Layerwise-messageText')).toHaveText(
    'The analysis was cancelled.'
  );
  await expect(panel.locator('.jp-Layerwise-retry')).toBeHidden();

  await runToResult(panel);

  const results = await expectFigures(panel);
  await expect(results.locator('.jp-Layerwise-stored')).toHaveCount(0);

  // The notebook's second model, the same network from another seed: analysed on the same
  // samples and options, and the two compared order by order.
  const comparison = results.locator('.jp-Layerwise-comparison');
  await comparison.locator('.jp-Layerwise-compareWith').selectOption('model_seed1');
  await comparison.locator('.jp-Layerwise-compare').click();
  await expect(comparison).toHaveAttribute('data-rendered', 'comparison', {
    timeout: 6 * 60_000
  });
  await expect(comparison.locator('.jp-Layerwise-figure')).toHaveCount(3);
  await expect(comparison.locator('.jp-Layerwise-compareStatus')).toContainText(
    'model against model_seed1'
  );
  const [, iou] = await saveDownload(page, () =>
    comparison.locator('[data-figure="iou-and"] [data-format="csv"]').click()
  );
  // the other model's emergence and forgetting, beside the analysed one's
  await expect(comparison.locator('[data-figure="other-strength"] h3')).toHaveText(
    'model_seed1: AND interaction strength by layer and order'
  );
  // the comparison's figures export for a paper as cleanly as the analysis' own
  expect(
    await exportProblems(page, results, comparison, ['iou-and', 'iou-or', 'other-strength'])
  ).toEqual([]);
  await results.locator('.jp-Layerwise-preset').selectOption('single-column');
  const iouLines = iou.toString('utf8').split('\r\n');
  expect(iouLines[0]).toBe('layerA,layerB,order,iou,iouMin,iouMax,samples');
  expect(iouLines[1]).toMatch(/^dense_1,\w+,1,(0|1|0\.\d+),/);
  // The CNN has fewer layers: the panel asks which to compare with which.
  await comparison.locator('.jp-Layerwise-compareWith').selectOption('cnn');
  await comparison.locator('.jp-Layerwise-compare').click();
  await expect(comparison.locator('.jp-Layerwise-pairs')).toBeVisible({ timeout: 6 * 60_000 });
  await comparison.locator('select[data-layer="dense_1"]').selectOption('dense');
  await comparison.locator('select[data-layer="dense_2"]').selectOption('');
  await comparison.locator('select[data-layer="dense_3"]').selectOption('');
  await comparison.locator('select[data-layer="dense_4"]').selectOption('');
  await comparison.locator('select[data-layer="logits"]').selectOption('logits');
  await comparison.locator('.jp-Layerwise-comparePairs').click();
  await expect(comparison.locator('.jp-Layerwise-figure')).toHaveCount(3);
  expect(await comparedPairs(page, comparison, 'iou-or')).toEqual([
    'dense_1/dense',
    'logits/logits'
  ]);
  // The MLP's twin in PyTorch (ONNX Runtime) against the Keras MLP (TensorFlow.js): the same
  // depth, so layers pair by position.
  await comparison.locator('.jp-Layerwise-compareWith').selectOption('torch_mlp');
  await comparison.locator('.jp-Layerwise-compare').click();
  await expect(comparison.locator('.jp-Layerwise-compareStatus')).toContainText(
    'model against torch_mlp',
    { timeout: 6 * 60_000 }
  );
  await expect(comparison.locator('.jp-Layerwise-figure')).toHaveCount(3);
  expect(await comparedPairs(page, comparison, 'iou-and')).toEqual([
    'dense_1/2',
    'dense_2/4',
    'dense_3/6',
    'dense_4/8',
    'logits/9'
  ]);
  const strength = results.locator('[data-figure="strength"].jp-Layerwise-figure');
  await expect(strength.locator('.legendtext').first()).toHaveText('shared with the final layer');

  await results.locator('.jp-Layerwise-kindSwitch [data-value="or"]').click();
  await expect(results).toHaveAttribute('data-rendered', 'or-final');
  await expect(results.locator('.jp-Layerwise-kindSwitch [data-value="or"]')).toHaveAttribute(
    'aria-pressed',
    'true'
  );
  await expect(strength.locator('h3')).toHaveText('OR interaction strength by layer and order');
  await results.locator('.jp-Layerwise-referenceSwitch [data-value="previous"]').click();
  await expect(results).toHaveAttribute('data-rendered', 'or-previous');
  await expect(strength.locator('.legendtext').first()).toHaveText('kept from the previous layer');

  const [svgDownload, svgBytes] = await saveDownload(page, () =>
    strength.locator('[data-format="svg"]').click()
  );
  expect(svgDownload.suggestedFilename()).toBe('layerwise-strength-or-previous.svg');
  const svg = await page.evaluate(text => {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const root = doc.documentElement;
    return {
      root: root.nodeName,
      errors: doc.getElementsByTagName('parsererror').length,
      width: root.getAttribute('width'),
      shapes: doc.querySelectorAll('path, rect').length,
      text: Array.from(doc.querySelectorAll('text')).map(t => t.textContent ?? '')
    };
  }, svgBytes.toString('utf8'));
  expect(svg.root).toBe('svg');
  expect(svg.errors).toBe(0);
  expect(svg.width).toBe('312'); // the single-column preset: 3.25 in at 96 px/in
  expect(svg.shapes).toBeGreaterThan(5);
  expect(svg.text).toContain('newly emerged at this layer');

  const [pdfDownload, pdfBytes] = await saveDownload(page, () =>
    strength.locator('[data-format="pdf"]').click()
  );
  expect(pdfDownload.suggestedFilename()).toBe('layerwise-strength-or-previous.pdf');
  expect(pdfBytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const pdf = summarisePdf(pdfBytes);
  expect(pdf.pages).toBe(1);
  expect(pdf.images).toBe(0);
  expect(pdf.pathOperators).toBeGreaterThan(20);
  expect(pdf.paintOperators).toBeGreaterThan(5);
  expect(pdf.textOperators).toBeGreaterThan(3);

  // The heat map too is vector in the PDF (Plotly would rasterise a heatmap trace).
  const tracking = results.locator('[data-figure="tracking"].jp-Layerwise-figure');
  const [, heatmapPdf] = await saveDownload(page, () =>
    tracking.locator('[data-format="pdf"]').click()
  );
  expect(summarisePdf(heatmapPdf).images).toBe(0);
  const [, trackingCsv] = await saveDownload(page, () =>
    tracking.locator('[data-format="csv"]').click()
  );
  expect(trackingCsv.toString('utf8')).toContain('{stroke');
  await expect(tracking.locator('.ytick text', { hasText: 'stroke' }).first()).toBeVisible();

  const [, csv] = await saveDownload(page, () => strength.locator('[data-format="csv"]').click());
  const lines = csv.toString('utf8').split('\r\n');
  expect(lines[0]).toBe(
    'layer,order,all,allReference,overlap,forget,new,' +
      'overlapMin,overlapMax,forgetMin,forgetMax,newMin,newMax'
  );
  // the exact solver compared alternative optima: the rows carry each metric's range
  expect(lines[1].split(',').slice(7).map(Number).every(Number.isFinite)).toBe(true);

  // The result's key is in the notebook's metadata: closing and reopening the notebook
  // brings the result back from the backend's store without rerunning.
  await page.evaluate(async () => {
    for (const widget of window.jupyterapp.shell.widgets('main')) {
      if (widget.title.label === 'demo.ipynb') {
        await (widget as unknown as { context: { save(): Promise<void> } }).context.save();
        widget.close();
      }
    }
  });
  await expect(panel).toHaveCount(0);
  await page.notebook.openByPath(`${tmpPath}/demo.ipynb`);
  await expect(page.locator('.jp-Layerwise-panel')).toHaveAttribute('data-phase', 'done', {
    timeout: 60_000
  });
  await expect(page.locator('.jp-Layerwise-results')).toHaveAttribute(
    'data-rendered',
    'and-final',
    { timeout: 60_000 }
  );
  // read from the store, not computed again: the panel says so
  await expect(page.locator('.jp-Layerwise-stored')).toContainText(/^Stored result from \d{4}-/);
});

test.describe('kernel restart', () => {
  // Galata's kernel tracking answers every POST under /api/kernels with 201, and a restart
  // expects 200 (JupyterLab then waits for the restarted kernel forever): not tracked here.
  test.use({ kernels: null });

  test('a kernel restart: the panel says what happened and how to go on', async ({
    page,
    tmpPath
  }) => {
    const panel = await configureTrainedModel(page, tmpPath, DEMO, 'digits_mlp');
    // not awaited in the page: the command waits for the dialog's answer
    await page.evaluate(() => {
      const app = (
        window as unknown as { jupyterapp: { commands: { execute(id: string): unknown } } }
      ).jupyterapp;
      void app.commands.execute('notebook:restart-kernel');
    });
    await page
      .locator('.jp-Dialog')
      .getByRole('button', { name: 'Confirm Kernel Restart' })
      .click();
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
    const message = panel.locator('.jp-Layerwise-messageText');
    const retry = panel.locator('.jp-Layerwise-message .jp-Layerwise-retry');

    // The form still shows the old kernel's model: Run fails, saying why, with a way on.
    await panel.locator('.jp-Layerwise-run').click();
    await expect(panel).toHaveAttribute('data-phase', 'failed', { timeout: 120_000 });
    await expect(retry).toBeVisible();
    await expect(panel.locator('.jp-Layerwise-run')).toBeVisible();

    // A fresh look at the kernel: the cell has not run there yet, in one message.
    await retry.click();
    await expect(panel).toHaveAttribute('data-phase', 'failed', { timeout: 120_000 });
    await expect(message).toContainText('This cell has not run in this kernel yet (`model`');
    await expect(message).not.toContainText('no model');

    // Run the notebook again: the next look finds the model and the form is back.
    // the panel has the focus: the notebook's tab takes it back, so Run All Cells is its
    await page.locator('.lm-TabBar-tabLabel', { hasText: /^demo\.ipynb$/ }).click();
    expect(await page.notebook.run()).toBe(true);
    await retry.click();
    await expect(panel).toHaveAttribute('data-phase', 'configuring', { timeout: 120_000 });
    await expect(retry).toBeHidden();
    await expect(panel.locator('.jp-Layerwise-modelSummary')).toContainText('digits_mlp');
  });
});

test('a PyTorch model cell: its blocks are the layers, analysed on ONNX Runtime', async ({
  page,
  tmpPath
}) => {
  const panel = await configureTrainedModel(page, tmpPath, TORCH_DEMO, 'Sequential');
  // Each conv block and the hidden dense layer, tapped after its activation (or pooling);
  // the last Linear gives the logits and is always analysed.
  const checked = panel.locator('.jp-Layerwise-layer input:checked');
  await expect(checked).toHaveCount(4);
  expect(await checked.evaluateAll(boxes => boxes.map(b => b.getAttribute('data-layer')))).toEqual([
    '1',
    '5',
    '7',
    '8'
  ]);
  await expect(panel.locator('input[data-layer="8"]')).toBeDisabled();
  // Channels-first 1x8x8 images get the patch grid of an image.
  await expect(panel.locator('.jp-Layerwise-patch.jp-mod-selected')).toHaveCount(
    SETTINGS.variables
  );

  await panel.locator('.jp-Layerwise-useCache').uncheck();
  // Stability under input noise, with 2 draws: the cost line counts them.
  await panel.locator('.jp-Layerwise-stability').check();
  await panel.locator('.jp-Layerwise-draws').fill('2');
  await panel.locator('.jp-Layerwise-draws').blur();
  await expect(panel.locator('.jp-Layerwise-runRow')).toContainText('x (1 + 2 noise draws)');
  await runToResult(panel);
  const results = await expectFigures(panel, 6);
  await expect(results).toContainText('4 layers');
  await expect(results).toContainText('onnxruntime');
  const stability = results.locator('[data-figure="stability"].jp-Layerwise-figure');
  const [, csv] = await saveDownload(page, () => stability.locator('[data-format="csv"]').click());
  expect(csv.toString('utf8').split('\r\n')[0]).toBe('layer,order,stability');
});

test.describe('figures for a paper', () => {
  // n = 10 patches, the demo's setting: ten orders in the legends, the longest names.
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'layerwise:analyze': { ...SETTINGS, variables: 10, heatmapInteractions: 40 }
    }
  });

  test('every figure in every preset: no text overlaps or is cut off, fonts embedded', async ({
    page,
    tmpPath
  }) => {
    const panel = await configureTrainedModel(page, tmpPath, DEMO, 'digits_mlp');
    // the form's Run stays in view on a laptop-sized screen, however long the form
    await page.setViewportSize({ width: 1600, height: 1000 });
    await expect(panel.locator('.jp-Layerwise-run')).toBeInViewport();
    await expect(panel.locator('.jp-Layerwise-patchSize + .jp-Layerwise-hint')).toHaveText(
      '0 = automatic: 2 px here'
    );
    await expect(panel.locator('.jp-Layerwise-trainRows + .jp-Layerwise-hint')).toHaveText(
      '500 of the 1,437 rows, a seeded random subset'
    );
    // n above the settings' maximum (12) runs only once the user confirms the cost
    const free = panel.locator('.jp-Layerwise-patch:not(.jp-mod-selected)');
    for (let i = 0; i < 3; i++) {
      await free.first().click();
    }
    await expect(panel.locator('.jp-Layerwise-force')).toContainText('Run with n = 13 anyway');
    await expect(panel.locator('.jp-Layerwise-run')).toBeDisabled();
    for (let i = 0; i < 3; i++) {
      await panel.locator('.jp-Layerwise-patch.jp-mod-selected').last().click();
    }
    await expect(panel.locator('.jp-Layerwise-n')).toHaveText('(n = 10)');
    await expect(panel.locator('.jp-Layerwise-run')).toBeEnabled();

    await panel.locator('.jp-Layerwise-stability').check();
    await panel.locator('.jp-Layerwise-draws').fill('2');
    await panel.locator('.jp-Layerwise-draws').blur();
    await panel.locator('.jp-Layerwise-useCache').uncheck();
    // the solves are a stage of their own, counted: 2 samples x 5 layers x (1 + 2 draws)
    await panel.locator('.jp-Layerwise-run').click();
    await expect(panel.locator('.jp-Layerwise-stage')).toContainText(
      /Solving for AND-OR interactions: \d+ \/ 30/,
      { timeout: 120_000 }
    );
    await expect(panel).toHaveAttribute('data-phase', 'done', { timeout: 6 * 60_000 });
    const results = await expectFigures(panel, 6);
    const ids = await results
      .locator('.jp-Layerwise-figure')
      .evaluateAll(cards => cards.map(card => card.getAttribute('data-figure')!));
    expect(ids).toEqual(['strength', 'completeness', 'salient', 'tracking', 'probes', 'stability']);
    // the panel explains every figure under it
    for (const caption of await results.locator('.jp-Layerwise-caption').allTextContents()) {
      expect(caption.length).toBeGreaterThan(40);
    }

    expect(await exportProblems(page, results, results, ids)).toEqual([]);
  });
});
