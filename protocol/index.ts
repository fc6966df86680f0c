// Browser-safe parts only: the renderer imports these. The Node-only formats (crypto, hpke, bundle,
// licence, chunks) are imported by path from the main process and the server.
export * from './api';
export * from './money';
