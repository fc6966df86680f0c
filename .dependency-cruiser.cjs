/**
 * The import rules of docs/architecture.md ("Import rules"), enforced in `npm run lint`.
 * test/lint-rules.test.ts proves each rule rejects a fixture that breaks it.
 */

module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-shell',
      comment: 'Only src-main/shell may import electron: the core must run and be tested in plain Node.',
      severity: 'error',
      from: { pathNot: '^src-main/shell/' },
      to: { path: '(^|/)node_modules/electron/|^electron$' },
    },
    {
      name: 'protocol-imports-no-project-code',
      comment: 'protocol/ is what app and server both speak; it depends on nothing of ours.',
      severity: 'error',
      from: { path: '^protocol/' },
      to: { path: '^(native|src-main|src-renderer|server|e2e|bench|test)/' },
    },
    {
      name: 'native-imports-only-protocol',
      severity: 'error',
      from: { path: '^native/' },
      to: { path: '^(src-main|src-renderer|server|e2e|bench|test)/' },
    },
    {
      name: 'core-imports-protocol-and-native',
      severity: 'error',
      from: { path: '^src-main/core/' },
      to: { path: '^(src-renderer|server|e2e|bench|test|src-main/(shell|host))/' },
    },
    {
      name: 'renderer-imports-only-protocol',
      comment: 'The UI sees only the typed API, never Node, Electron or the core.',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^(native|src-main|server|e2e|bench|test)/' },
    },
    {
      name: 'renderer-no-node',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-no-node-protocol',
      comment: 'protocol/crypto uses node:crypto; the renderer gets only the browser-safe parts of protocol.',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^protocol/crypto/' },
    },
    {
      name: 'renderer-protocol-allowed-list',
      comment:
        'The renderer takes from protocol/ only the typed API and the browser-safe helpers it shows ' +
        'numbers and refusals with (what it imported when the rule was written, #17); anything else ' +
        "in protocol/ (bundles, licences, crypto, the HTTP schemas) is the core's and the server's business.",
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: '^protocol/', pathNot: '^protocol/(api/|card-data\\.ts$|money\\.ts$|tax\\.ts$)' },
    },
    {
      name: 'admin-imports-only-protocol',
      comment:
        'The back office (src-admin, issue #19) is a browser app of its own: it speaks to the server over ' +
        'HTTP with the schemas of protocol/, never importing the server, the app or its UI.',
      severity: 'error',
      from: { path: '^src-admin/' },
      to: { path: '^(native|src-main|src-renderer|server|e2e|bench|test)/' },
    },
    {
      name: 'admin-no-node',
      severity: 'error',
      from: { path: '^src-admin/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'admin-protocol-allowed-list',
      comment:
        'The console takes the browser-safe HTTP schemas it shows and sends, nothing else of protocol/. ' +
        'Types it may take from anywhere in protocol/http: a type-only import brings no code into the bundle.',
      severity: 'error',
      from: { path: '^src-admin/' },
      to: {
        dependencyTypesNot: ['type-only'],
        path: '^protocol/',
        pathNot:
          '^protocol/(http/(auth|common|console|codes|back-office|policies|policy-history|devices|catalog|material-types)\\.ts$|text\\.ts$|money(-input)?\\.ts$|timestamp\\.ts$|crypto/base64url\\.ts$)',
      },
    },
    {
      name: 'server-no-test-harness',
      comment:
        'Server code runs in production: it may not import test harnesses (test/, server/testing/, ' +
        '*test-support.ts, *.test-helpers.ts, fixtures). Tests and the harnesses themselves may.',
      severity: 'error',
      from: { path: '^server/', pathNot: ['\\.test\\.ts$', '^server/testing/', 'test-support\\.ts$'] },
      to: {
        path: [
          '^test/',
          '^server/testing/',
          'test-support\\.ts$',
          '\\.test-helpers\\.ts$',
          '\\.fixture\\.ts$',
          '\\.test\\.ts$',
          '(^|/)fixtures/',
        ],
      },
    },
    {
      name: 'no-circular',
      comment: 'Modules import each other one way: a cycle makes load order (and reasoning) fragile.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'server-imports-only-protocol',
      severity: 'error',
      from: { path: '^server/' },
      to: { path: '^(native|src-main|src-renderer|e2e|bench)/' },
    },
    {
      name: 'terminal-sdk-imports-only-protocol',
      comment:
        'packages/terminal-sdk is built and imported by outside projects: besides its own files it takes ' +
        'only protocol/ (which it bundles), never the app, the server or a test harness.',
      severity: 'error',
      from: { path: '^packages/terminal-sdk/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(native|src-main|src-renderer|src-admin|server|e2e|bench|test|examples)/' },
    },
    {
      name: 'terminal-sdk-through-its-index',
      comment:
        'Everyone else takes the SDK as @outpost/terminal-sdk (its index), as an outside project would; ' +
        'tests may reach inside.',
      severity: 'error',
      from: { pathNot: '^packages/terminal-sdk/|\\.test\\.ts$' },
      to: { path: '^packages/terminal-sdk/', pathNot: '^packages/terminal-sdk/src/index\\.ts$' },
    },
    {
      name: 'example-uses-only-the-sdk',
      comment: 'The example terminal shows what an outside project can do: the SDK and npm packages only.',
      severity: 'error',
      from: { path: '^examples/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(protocol|native|src-main|src-renderer|src-admin|server|e2e|bench|test)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(out|dist|test/fixtures)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.node.json') },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};
