// Errors are told apart by name (FrameError, ModelError, WorkerError, ...; docs/web.md#errors),
// in the page and in the worker alike.
export function namedError(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}
