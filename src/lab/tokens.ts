/** The services the Layerwise plugins provide to each other (and to other extensions). */
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';
import type { BackendClient } from './backendClient';
import type { IKernelSession } from './kernelBridge';

export type IBackendClient = BackendClient;

export const IBackendClient = new Token<BackendClient>(
  'layerwise:IBackendClient',
  'The Layerwise backend (HTTP + WebSocket) through the Jupyter server.'
);

export interface IKernelBridges {
  /** The session with the Layerwise kernel plugin of this kernel (one per kernel). */
  forKernel(kernel: Kernel.IKernelConnection): IKernelSession;
}

export const IKernelBridges = new Token<IKernelBridges>(
  'layerwise:IKernelBridges',
  'Sessions with the Layerwise kernel plugin, one per kernel.'
);

export interface ILayerwisePanels {
  /** Opens the analysis of a notebook's cell in a panel beside the notebook. */
  analyze(notebook: NotebookPanel, cellId: string | null): void;
  /** Reopens a stored result of a notebook (e.g. its last one, when the notebook opens). */
  showResult(notebook: NotebookPanel, resultKey: string): void;
}

export const ILayerwisePanels = new Token<ILayerwisePanels>(
  'layerwise:ILayerwisePanels',
  'Opens Layerwise analysis panels beside notebooks.'
);
