/** Vite's `?worker` imports: the module bundled as a worker script of our own origin. */
declare module '*?worker' {
  const WorkerConstructor: new (options?: { name?: string }) => Worker;
  export default WorkerConstructor;
}
