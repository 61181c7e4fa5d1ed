/**
 * Reopens a notebook's last analysis when the notebook opens: its metadata holds the result's
 * key in the backend store, from which the panel refetches the result (nothing reruns).
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { METADATA_KEY, readLastResult } from '../metadata';
import { ILayerwisePanels } from '../tokens';

export const restorePlugin: JupyterFrontEndPlugin<void> = {
  id: 'layerwise:restore',
  description: "Reopens a notebook's last layer analysis with the notebook.",
  autoStart: true,
  requires: [INotebookTracker, ILayerwisePanels],
  activate: (_app: JupyterFrontEnd, notebooks: INotebookTracker, panels: ILayerwisePanels) => {
    notebooks.widgetAdded.connect((_, notebook) => {
      void notebook.context.ready.then(() => {
        const last = readLastResult(notebook.context.model.getMetadata(METADATA_KEY));
        if (last !== null && !notebook.isDisposed) {
          panels.showResult(notebook, last.resultKey);
        }
      });
    });
  }
};
