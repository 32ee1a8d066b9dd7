// The layer rule (`npm run lint:layers`): the folders under shared/ are the architecture, and these rules keep
// them one. The domain is pure; ports know only the domain; services use ports, never adapters; adapters
// implement ports and never call services; only the composition root (shared/runtime) wires adapters in.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'shared/domain holds the rules and the wire types: no ports, services, adapters, runtime, HTTP, config or Azure SDK.',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: { path: ['^shared/(ports|services|adapters|runtime|http|config)/', '^functions/', '^node_modules/@azure/', '^node_modules/applicationinsights/'] },
    },
    {
      name: 'domain-reads-no-files',
      comment: "Reading files is the config layer's job; the domain gets parsed data.",
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: { dependencyTypes: ['core'], path: '^(fs|node:fs|fs/promises|node:fs/promises)$' },
    },
    {
      name: 'ports-know-only-the-domain',
      severity: 'error',
      from: { path: '^shared/ports/' },
      to: { path: ['^shared/(services|adapters|runtime|http|config)/', '^functions/', '^node_modules/@azure/'] },
    },
    {
      name: 'services-use-ports-not-adapters',
      comment: 'Use cases receive their stores through ports, built by the composition root.',
      severity: 'error',
      from: { path: '^shared/services/' },
      to: { path: ['^shared/(adapters|runtime|http)/', '^functions/', '^node_modules/@azure/'] },
    },
    {
      name: 'adapters-do-not-call-up',
      severity: 'error',
      from: { path: '^shared/adapters/' },
      to: { path: ['^shared/(services|runtime|http)/', '^functions/'] },
    },
    {
      name: 'http-does-not-touch-adapters',
      severity: 'error',
      from: { path: '^shared/http/' },
      to: { path: ['^shared/adapters/', '^functions/'] },
    },
    {
      name: 'functions-go-through-services',
      comment: 'A function validates, calls a service and responds: it never builds or calls an adapter itself.',
      severity: 'error',
      from: { path: '^functions/' },
      to: { path: ['^shared/adapters/', '^node_modules/@azure/(cosmos|storage-blob|service-bus|identity)'] },
    },
    {
      name: 'config-parses-into-the-domain',
      severity: 'error',
      from: { path: '^shared/config/' },
      to: { path: ['^shared/(ports|services|adapters|runtime|http)/', '^functions/'] },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^(shared|functions)/' },
      to: { circular: true, viaOnly: { pathNot: '^shared/runtime/' } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
