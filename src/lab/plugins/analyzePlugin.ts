/**
 * "Analyze layers": the command (in the code cells' context menu, declared in
 * schema/analyze.json so users can move it), the panels beside the notebooks, the settings.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  ICommandPalette,
  IThemeManager,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker, type NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { AnalysisController } from '../analysisController';
import { CommandIds } from '../commands';
import { METADATA_KEY, type ILastResult, readLastResult } from '../metadata';
import type { IPlotTheme } from '../../figures/theme';
import { AnalysisModel } from '../model/analysisModel';
import { jupyterTheme } from '../plots/jupyterTheme';
import { DEFAULT_SETTINGS, readSettings, type ILayerwiseSettings } from '../settings';
import { IBackendClient, IKernelBridges, ILayerwisePanels } from '../tokens';
import { LayerwisePanel } from '../view/panel';

const PLUGIN_ID = 'layerwise:analyze';

type PanelWidget = MainAreaWidget<LayerwisePanel>;

export const analyzePlugin: JupyterFrontEndPlugin<ILayerwisePanels> = {
  id: PLUGIN_ID,
  description: 'Analyze layers: the context-menu command and the analysis panel.',
  autoStart: true,
  requires: [INotebookTracker, IBackendClient, IKernelBridges],
  optional: [ISettingRegistry, ICommandPalette, IThemeManager],
  provides: ILayerwisePanels,
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    backend: IBackendClient,
    bridges: IKernelBridges,
    registry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    themes: IThemeManager | null
  ): ILayerwisePanels => {
    let settings: ILayerwiseSettings = { ...DEFAULT_SETTINGS };
    const tracker = new WidgetTracker<PanelWidget>({ namespace: 'layerwise' });
    const controllers = new WeakMap<PanelWidget, AnalysisController>();

    if (registry) {
      registry
        .load(PLUGIN_ID)
        .then(loaded => {
          const apply = () => {
            settings = readSettings(loaded.composite as Record<string, unknown>);
            tracker.forEach(w => (w.content.model.settings = settings));
          };
          apply();
          loaded.changed.connect(apply);
        })
        .catch(error => console.warn('Layerwise: settings could not be loaded', error));
    }

    const screenTheme = (): IPlotTheme => {
      const style = getComputedStyle(document.body);
      const light = themes?.theme ? themes.isLight(themes.theme) : true;
      return jupyterTheme(name => style.getPropertyValue(name), light);
    };
    themes?.themeChanged.connect(() => tracker.forEach(w => w.content.refreshTheme()));

    const remember = (notebook: NotebookPanel, last: ILastResult) => {
      const model = notebook.context.model;
      const wasClean = !model.dirty;
      model.setMetadata(METADATA_KEY, { last });
      // Only our key changed: save, so the result reopens with the notebook. A notebook with
      // unsaved edits of the user's is left for the user to save.
      if (wasClean && notebook.context.isReady) {
        void notebook.context.save();
      }
    };

    const openPanel = (notebook: NotebookPanel, cellId: string | null): PanelWidget => {
      tracker
        .filter(w => w.content.model.notebookPath === notebook.context.path)
        .forEach(w => w.dispose());
      const model = new AnalysisModel(notebook.context.path, cellId, settings);
      const controller = new AnalysisController(
        model,
        () => {
          const kernel = notebook.sessionContext.session?.kernel;
          return kernel ? bridges.forKernel(kernel) : null;
        },
        backend,
        {
          resultShown: (resultKey, jobId, result) =>
            remember(notebook, {
              resultKey,
              jobId,
              cellId,
              model: result.model.source,
              createdAt: result.createdAt
            })
        },
        () => {
          const cell = notebook.content.widgets.find(c => c.model.id === cellId);
          return cell ? cell.model.sharedModel.getSource() : null;
        }
      );
      const content = new LayerwisePanel(model, controller, screenTheme);
      const widget = new MainAreaWidget({ content });
      widget.id = `layerwise-${Math.random().toString(36).slice(2, 10)}`;
      widget.title.label = `Layers: ${notebook.title.label}`;
      widget.title.caption = `Layer-wise interactions of ${notebook.context.path}`;
      widget.title.closable = true;
      widget.addClass('jp-Layerwise-main');
      controllers.set(widget, controller);
      widget.disposed.connect(() => controller.dispose());
      notebook.disposed.connect(() => widget.dispose());
      void tracker.add(widget);
      app.shell.add(widget, 'main', { mode: 'split-right', ref: notebook.id });
      return widget;
    };

    const panels: ILayerwisePanels = {
      analyze: (notebook, cellId) => {
        const widget = openPanel(notebook, cellId);
        void controllers.get(widget)?.inspect();
      },
      showResult: (notebook, resultKey) => {
        const last = readLastResult(notebook.context.model.getMetadata(METADATA_KEY));
        const widget = openPanel(notebook, last?.cellId ?? null);
        void controllers.get(widget)?.restore(resultKey);
      }
    };

    /** The notebook and code cell the command acts on: the right-clicked one, else the active one. */
    const target = (args: { cellId?: unknown }) => {
      const hit = app.contextMenuHitTest(node => node.classList.contains('jp-CodeCell'));
      const notebook =
        (hit && notebooks.find(panel => panel.node.contains(hit))) || notebooks.currentWidget;
      if (!notebook) {
        return null;
      }
      const cells = notebook.content.widgets;
      const cell =
        (typeof args.cellId === 'string' && cells.find(c => c.model.id === args.cellId)) ||
        (hit && cells.find(c => c.node === hit)) ||
        notebook.content.activeCell;
      return cell && cell.model.type === 'code' ? { notebook, cell } : null;
    };

    app.commands.addCommand(CommandIds.analyzeCell, {
      label: 'Analyze layers',
      caption:
        'Find the model this cell defines and show how its interactions emerge and are forgotten layer by layer',
      isEnabled: () => target({}) !== null,
      execute: args => {
        const found = target(args as { cellId?: unknown });
        if (found) {
          panels.analyze(found.notebook, found.cell.model.id);
        }
      }
    });

    app.commands.addCommand(CommandIds.openLastResult, {
      label: 'Show the last layer analysis of this notebook',
      isEnabled: () => {
        const notebook = notebooks.currentWidget;
        return !!notebook && readLastResult(notebook.model?.getMetadata(METADATA_KEY)) !== null;
      },
      execute: () => {
        const notebook = notebooks.currentWidget;
        const last = notebook && readLastResult(notebook.model?.getMetadata(METADATA_KEY));
        if (notebook && last) {
          panels.showResult(notebook, last.resultKey);
        }
      }
    });

    palette?.addItem({ command: CommandIds.analyzeCell, category: 'Layerwise' });
    palette?.addItem({ command: CommandIds.openLastResult, category: 'Layerwise' });
    return panels;
  }
};
