/** Sessions with the Layerwise kernel plugin, one per kernel connection. */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import type { Kernel } from '@jupyterlab/services';
import { KernelBridge } from '../kernelBridge';
import { IKernelBridges } from '../tokens';

export const kernelPlugin: JupyterFrontEndPlugin<IKernelBridges> = {
  id: 'layerwise:kernel',
  description: 'Talks to the Layerwise kernel plugin over the "layerwise" comm.',
  autoStart: true,
  provides: IKernelBridges,
  activate: () => {
    const bridges = new Map<Kernel.IKernelConnection, KernelBridge>();
    return {
      forKernel: kernel => {
        let bridge = bridges.get(kernel);
        if (bridge === undefined || bridge.isDisposed) {
          const created = new KernelBridge(kernel);
          bridges.set(kernel, created);
          kernel.disposed.connect(() => {
            created.dispose();
            bridges.delete(kernel);
          });
          bridge = created;
        }
        return bridge;
      }
    };
  }
};
