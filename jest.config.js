// One Jest run, three projects: unit (*.spec.ts), integration (*.int-spec.ts,
// real NATS + PostgreSQL) and e2e (test/**/*.e2e-spec.ts, real processes).
const fs = require('node:fs');
const path = require('node:path');
const swc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swc.$schema;
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false }],
    // ESM-only dependencies (jose) are compiled to CommonJS for Jest's module system.
    '^.+/node_modules/jose/.+\\.js$': ['@swc/jest', { ...swc, swcrc: false }],
    // The dashboard's browser modules (plain ES modules, served as they are) are unit-tested from TypeScript.
    '^.+/apps/api/src/dashboard/public/.+\\.js$': ['@swc/jest', { ...swc, swcrc: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  setupFiles: ['<rootDir>/scripts/jest-setup.cjs'],
};
// `testTimeout` is a global option, ignored inside `projects`: set it per project from a setup file.
const timeout = (ms) => ({ setupFilesAfterEnv: [`<rootDir>/scripts/jest-timeout-${ms}.cjs`] });

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts'],
      ...timeout(60000),
    },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], ...timeout(300000) },
  ],
};
