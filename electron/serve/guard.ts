/**
 * A wall between an event handler and the process: nothing the handler throws — synchronously or as a rejected
 * promise — reaches Node's event loop, where an uncaught exception ends the process. `onFailure` answers for the
 * one request or socket that failed; if it throws too, that is swallowed (the process matters more).
 */
export function guard<A extends unknown[]>(
  handler: (...args: A) => void | Promise<void>,
  onFailure: (error: unknown, ...args: A) => void,
): (...args: A) => void {
  const fail = (error: unknown, args: A) => {
    try {
      onFailure(error, ...args);
    } catch {
      // Nothing left to do for this request; the server keeps serving the others.
    }
  };
  return (...args: A) => {
    try {
      const result = handler(...args);
      if (result instanceof Promise) result.catch((error: unknown) => fail(error, args));
    } catch (error) {
      fail(error, args);
    }
  };
}
