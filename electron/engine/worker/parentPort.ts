/**
 * The message port of a child process, whoever started it: Electron's utilityProcess exposes
 * `process.parentPort`, Node's `child_process.fork` exposes `process.send`. Shared by the training and the
 * model-job workers.
 */
export interface ParentPort<In, Out> {
  onMessage(handler: (message: In) => void): void;
  /** Sends a message; `sent` (if given) is called once it is safe to exit. */
  post(message: Out, sent?: () => void): void;
}

type ElectronPort = { on(e: 'message', f: (m: { data: unknown }) => void): void; postMessage(m: unknown): void };

/**
 * @param entry the worker's name, for the error when it is run directly
 * @param exitOnDisconnect end the process when a forked parent goes away (nobody left to answer to)
 */
export function parentPort<In, Out>(entry: string, exitOnDisconnect = false): ParentPort<In, Out> {
  const electronPort = (process as unknown as { parentPort?: ElectronPort }).parentPort;
  if (electronPort) {
    return {
      onMessage: (handler) => electronPort.on('message', (m) => handler(m.data as In)),
      post: (message, sent) => {
        electronPort.postMessage(message);
        // postMessage has no completion callback: give the message a moment to leave before exiting.
        if (sent) setTimeout(sent, 50);
      },
    };
  }
  if (process.send) {
    if (exitOnDisconnect) process.on('disconnect', () => process.exit(1));
    return {
      onMessage: (handler) => process.on('message', (m) => handler(m as In)),
      post: (message, sent) => void process.send!(message, undefined, {}, () => sent?.()),
    };
  }
  throw new Error(`${entry} must be started as a child process (child_process.fork or utilityProcess.fork)`);
}
