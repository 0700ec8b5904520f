// Runs TypeScript sources directly (decorator metadata included) with the
// workspace path aliases. Used by `npm start`, the e2e tests and the benches.
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('node:path').join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
// Decorator metadata (class-validator, NestJS) must exist before any decorated class is evaluated.
require('reflect-metadata');
