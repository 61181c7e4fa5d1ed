/**
 * The session with the Layerwise kernel plugin over the `layerwise` comm
 * (src/protocol/kernelMessages.ts): registers the plugin with a silent execute request,
 * opens the comm, matches answers to requests and reassembles exported parts from chunks.
 */
import type { Kernel, KernelMessage } from '@jupyterlab/services';
import { PromiseDelegate, UUID } from '@lumino/coreutils';
import { addChunk, assemble, KernelPluginError, type IExport, type Parts } from './kernelParts';
import {
  KERNEL_COMM_TARGET,
  KERNEL_PROTOCOL_VERSION,
  KERNEL_REGISTER_CODE,
  KernelToFrontend,
  type ArrayRole,
  type ArraySelection,
  type Exported,
  type Hello,
  type Inspection,
  type KernelError
} from '../protocol/kernelMessages';

export interface IExportRequest {
  /** The model's variable name; null for arrays only. */
  model: string | null;
  arrays: Partial<Record<ArrayRole, ArraySelection>>;
  /** torch: the submodules to tap (the export traces only those). */
  layers?: string[];
  maxTrainRows?: number;
}

export interface IKernelSession {
  /** Which models the cell defines or uses, and the arrays the kernel holds. */
  inspect(cellSource: string): Promise<Inspection>;
  /** The model (TF.js layers format or ONNX) and arrays; `onBytes` reports bytes so far. */
  export(request: IExportRequest, onBytes?: (received: number) => void): Promise<IExport>;
}

/** How long the plugin may take to greet a new comm (the kernel may be busy with a cell). */
const HELLO_TIMEOUT_MS = 10 * 60 * 1000;

interface IPending {
  onMessage(message: KernelToFrontend, buffers: (ArrayBuffer | ArrayBufferView)[]): void;
  fail(error: Error): void;
}

export class KernelBridge implements IKernelSession {
  private comm: Kernel.IComm | null = null;
  private opening: Promise<Kernel.IComm> | null = null;
  private hello: PromiseDelegate<Hello> | null = null;
  private readonly pending = new Map<string, IPending>();
  private disposed = false;

  constructor(readonly kernel: Kernel.IKernelConnection) {
    kernel.statusChanged.connect(this.onStatus, this);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) {
      return;
    }
    this.disposed = true;
    this.kernel.statusChanged.disconnect(this.onStatus, this);
    this.reset(new Error('The notebook closed its kernel connection.'));
  }

  async inspect(cellSource: string): Promise<Inspection> {
    const comm = await this.connect();
    const requestId = UUID.uuid4();
    const answer = new PromiseDelegate<Inspection>();
    this.pending.set(requestId, {
      onMessage: message => {
        if (message.type === 'inspection') {
          answer.resolve(message);
        } else if (message.type === 'error') {
          answer.reject(pluginError(message));
        }
      },
      fail: error => answer.reject(error)
    });
    try {
      comm.send({ type: 'inspect', requestId, cellSource });
      return await answer.promise;
    } finally {
      this.pending.delete(requestId);
    }
  }

  async export(request: IExportRequest, onBytes?: (received: number) => void): Promise<IExport> {
    const comm = await this.connect();
    const requestId = UUID.uuid4();
    const parts: Parts = new Map();
    const answer = new PromiseDelegate<Exported>();
    let received = 0;
    this.pending.set(requestId, {
      onMessage: (message, buffers) => {
        if (message.type === 'chunk') {
          try {
            received += addChunk(parts, message, buffers);
            onBytes?.(received);
          } catch (error) {
            answer.reject(error as Error);
          }
        } else if (message.type === 'exported') {
          answer.resolve(message);
        } else if (message.type === 'error') {
          answer.reject(pluginError(message));
        }
      },
      fail: error => answer.reject(error)
    });
    try {
      comm.send({
        type: 'export',
        requestId,
        model: request.model,
        arrays: request.arrays,
        ...(request.layers !== undefined ? { layers: request.layers } : {}),
        ...(request.maxTrainRows !== undefined ? { maxTrainRows: request.maxTrainRows } : {})
      });
      const exported = await answer.promise;
      return assemble(exported, parts);
    } finally {
      this.pending.delete(requestId);
    }
  }

  private connect(): Promise<Kernel.IComm> {
    if (this.disposed) {
      return Promise.reject(new Error('The kernel connection is closed.'));
    }
    if (this.comm !== null && !this.comm.isDisposed) {
      return Promise.resolve(this.comm);
    }
    if (this.opening === null) {
      this.opening = this.open().finally(() => (this.opening = null));
    }
    return this.opening;
  }

  private async open(): Promise<Kernel.IComm> {
    const reply = await this.kernel.requestExecute(
      {
        code: KERNEL_REGISTER_CODE,
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false
      },
      true
    ).done;
    const content = reply.content as KernelMessage.IExecuteReplyMsg['content'];
    if (content.status === 'error') {
      throw new KernelPluginError(
        `The Layerwise kernel plugin cannot be loaded in this kernel (${content.ename}: ` +
          `${content.evalue}). Install layerwise in the Python environment of the kernel ` +
          '(pip install layerwise) and restart the kernel.',
        'not-installed'
      );
    }
    const comm = this.kernel.createComm(KERNEL_COMM_TARGET);
    const hello = new PromiseDelegate<Hello>();
    this.hello = hello;
    comm.onMsg = msg => this.onMessage(msg);
    comm.onClose = () => {
      if (this.comm === comm) {
        this.reset(new Error('The kernel closed the Layerwise comm.'));
      }
      hello.reject(new Error('The kernel refused the Layerwise comm: is the plugin registered?'));
    };
    this.comm = comm;
    const timer = setTimeout(
      () => hello.reject(new Error('The Layerwise kernel plugin did not answer.')),
      HELLO_TIMEOUT_MS
    );
    try {
      await comm.open({}).done;
      const greeting = await hello.promise;
      if (greeting.protocolVersion !== KERNEL_PROTOCOL_VERSION) {
        throw new KernelPluginError(
          `The kernel runs Layerwise ${greeting.pluginVersion} (protocol ` +
            `${greeting.protocolVersion}); this JupyterLab extension speaks protocol ` +
            `${KERNEL_PROTOCOL_VERSION}. Install the same layerwise version in both.`,
          'version'
        );
      }
      return comm;
    } catch (error) {
      this.reset(error as Error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private onMessage(msg: KernelMessage.ICommMsgMsg): void {
    const parsed = KernelToFrontend.safeParse(msg.content.data);
    if (!parsed.success) {
      console.warn('Layerwise: unexpected message from the kernel plugin', parsed.error);
      return;
    }
    const message = parsed.data;
    if (message.type === 'hello') {
      this.hello?.resolve(message);
      return;
    }
    if (message.requestId === null) {
      console.warn('Layerwise: the kernel plugin reported', message);
      return;
    }
    this.pending.get(message.requestId)?.onMessage(message, msg.buffers ?? []);
  }

  /** A restarted or dead kernel has lost the plugin's registration and the comm. */
  private onStatus(_: Kernel.IKernelConnection, status: Kernel.Status): void {
    if (status === 'restarting' || status === 'autorestarting' || status === 'dead') {
      this.reset(new Error('The kernel restarted: run the notebook again, then retry.'));
    }
  }

  private reset(error: Error): void {
    const comm = this.comm;
    this.comm = null;
    if (comm !== null && !comm.isDisposed) {
      comm.onClose = () => undefined;
      comm.dispose();
    }
    for (const pending of this.pending.values()) {
      pending.fail(error);
    }
    this.pending.clear();
  }
}

function pluginError(message: KernelError): KernelPluginError {
  return new KernelPluginError(
    message.hint ? `${message.message} ${message.hint}` : message.message,
    message.code
  );
}
