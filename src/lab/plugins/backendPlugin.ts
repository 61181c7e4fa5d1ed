/** The Layerwise backend client, shared by the panels. */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { BackendClient } from '../backendClient';
import { IBackendClient } from '../tokens';

export const backendPlugin: JupyterFrontEndPlugin<BackendClient> = {
  id: 'layerwise:backend',
  description: 'The Layerwise backend behind the Jupyter server (jupyter-server-proxy).',
  autoStart: true,
  provides: IBackendClient,
  activate: () => new BackendClient()
};
