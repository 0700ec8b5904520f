import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './helm-cli';

// No Docker engine runs here, so these check what the image build relies on without building it.

const dockerfile = readFileSync(join(REPO_ROOT, 'deploy', 'Dockerfile'), 'utf8');
const ignoreLines = readFileSync(join(REPO_ROOT, 'deploy', 'Dockerfile.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};

/** Lines of the runtime stage (after the last FROM). */
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === 'node_modules' ? [] : sourceFiles(path);
    return /\.ts$/.test(entry) && !/\.(int-)?spec\.ts$/.test(entry) ? [path] : [];
  });
}

/** npm package names imported by the code the image runs (apps and libs, without tests and libs/testing). */
function runtimeImports(): Map<string, string> {
  const found = new Map<string, string>();
  const roots = [
    ...readdirSync(join(REPO_ROOT, 'apps')).map((a) => join(REPO_ROOT, 'apps', a, 'src')),
    ...readdirSync(join(REPO_ROOT, 'libs')).filter((l) => l !== 'testing').map((l) => join(REPO_ROOT, 'libs', l, 'src')),
  ].filter((dir) => existsSync(dir));
  for (const file of roots.flatMap(sourceFiles)) {
    // Type-only imports are erased by swc and need nothing at runtime.
    const code = readFileSync(file, 'utf8').replace(/^\s*(?:import|export)\s+type\s[^;]*;/gm, '');
    for (const m of code.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"]([^'"]+)['"]/gm)) {
      const spec = m[1];
      if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('@orch/')) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!found.has(name)) found.set(name, relative(REPO_ROOT, file));
    }
  }
  return found;
}

describe('deploy/Dockerfile (checked statically; no Docker engine here)', () => {
  it('copies only files that exist and that the build-context allow-list keeps', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    expect(sources).toEqual(expect.arrayContaining(['package-lock.json', 'scripts/register.cjs', 'tsconfig.base.json', 'apps', 'libs', 'deploy/entrypoint.sh']));
    for (const src of sources) {
      expect(existsSync(join(REPO_ROOT, src))).toBe(true);
      expect(ignoreLines).toContain(`!${src}`);
    }
    // The register hook reads the path aliases from tsconfig.base.json at runtime.
    expect(readFileSync(join(REPO_ROOT, 'scripts', 'register.cjs'), 'utf8')).toContain('tsconfig.base.json');
  });

  it('runs as a numeric non-root user, behind tini, through the entrypoint script, listening on 0.0.0.0', () => {
    expect(runtimeStage).toMatch(/^USER 10001:10001$/m);
    expect(runtimeStage).toContain('ENTRYPOINT ["/usr/bin/tini", "--", "bash", "/app/deploy/entrypoint.sh"]');
    expect(runtimeStage).toMatch(/HTTP_HOST=0\.0\.0\.0/);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
  });

  it('installs with npm ci --omit=dev, which keeps the swc runtime and the typescript it loads', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    for (const name of ['@swc-node/register', '@swc/core', 'typescript', 'reflect-metadata']) {
      expect({ name, dev: lock.packages[`node_modules/${name}`]?.dev ?? false }).toEqual({ name, dev: false });
      expect(lock.packages[`node_modules/${name}`]).toBeDefined();
    }
  });

  it('finds every package the apps and libs import in the production dependency tree', () => {
    const imports = runtimeImports();
    expect(imports.has('@nestjs/core')).toBe(true);
    const missing = [...imports]
      .filter(([name]) => !lock.packages[`node_modules/${name}`] || lock.packages[`node_modules/${name}`].dev)
      .map(([name, file]) => `${name} (imported by ${file})`);
    expect(missing).toEqual([]);
  });
});
