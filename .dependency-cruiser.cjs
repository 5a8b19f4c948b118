// The architecture's boundaries as rules (`npm run check:boundaries`); docs/architecture-checks.md
// explains them. Layers of src/, bottom to top: a module may import its own layer and the layers
// below it, never one above it nor a sibling on the same level.
// Folders named together form one level: side by side, never importing each other.
/** @type {{ name: string, folders: string[], below: string[] }[]} */
const LAYERS = [];
function layer(name, folders) {
  LAYERS.push({ name, folders, below: LAYERS.flatMap((l) => l.folders) });
}
layer('domain', ['domain']);
// Typed configuration: beside domain at the bottom, may use domain's types.
layer('config', ['config']);
layer('foundations', ['formats', 'directory', 'secrets', 'net']);
layer('rules', ['rules']);
layer('adapters', ['store', 'queue', 'providers']);
// Directory sources (HubSpot, Salesforce, Zendesk): connectors like providers, using their error type.
layer('sources', ['sources']);
layer('sync', ['sync']);
layer('troubleshoot', ['troubleshoot']);
layer('app', ['app']);
// The faces the use cases are served through, side by side: HTTP and MCP never import each other.
layer('faces', ['api', 'mcp']);
layer('service', ['service']);
layer('cli', ['cli']);

const TEST_FILE = '\\.test\\.tsx?$';
const alt = (folders) => `(${folders.join('|')})`;

/** One rule per folder: what it may import inside src/ (itself and the layers below). */
const layerRules = LAYERS.flatMap((l) =>
  l.folders.map((folder) => ({
    name: `layer-${folder}`,
    comment: `src/${folder} (layer "${l.name}") imports only itself and the layers below: ${l.below.join(', ') || 'none'}.`,
    severity: 'error',
    from: { path: `^src/${folder}/`, pathNot: TEST_FILE },
    to: { path: '^src/', pathNot: `^src/${alt([folder, ...l.below])}/` },
  })),
);

const KNOWN = LAYERS.flatMap((l) => l.folders);

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'src-known-layer',
      comment: 'Every module of src/ lives in a folder this file places in the layer order (add a new folder above).',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/${alt(KNOWN)}/` },
      to: {},
    },
    {
      name: 'src-not-to-tests',
      comment: 'Production code never imports tests, test support, benchmarks, fault scenarios, the soak or scripts.',
      severity: 'error',
      from: { path: '^src/', pathNot: TEST_FILE },
      to: { path: [`^(test|bench|faults|soak|scripts)/`, TEST_FILE] },
    },
    {
      name: 'web-not-to-src',
      comment: 'The web app talks to the API over HTTP only: it imports nothing of the server, tests or tools.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(src|test|bench|faults|soak|scripts)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles (type-only imports included): a cycle means two modules are one, or a type is in the wrong place.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a missing file or package).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.build)/|^test/fixtures/|^test/fuzz/corpus/|^scripts/upgrade-fixtures/in-0\\.1\\.0/' },
    // Type-only imports are dependencies too: a type cycle is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'types', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
