/** The Layerwise JupyterLab extension: one plugin per feature. */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { analyzePlugin } from './plugins/analyzePlugin';
import { backendPlugin } from './plugins/backendPlugin';
import { kernelPlugin } from './plugins/kernelPlugin';
import { restorePlugin } from './plugins/restorePlugin';

export { IBackendClient, IKernelBridges, ILayerwisePanels } from './tokens';

const plugins: JupyterFrontEndPlugin<unknown>[] = [
  backendPlugin,
  kernelPlugin,
  analyzePlugin,
  restorePlugin
];

export default plugins;
