import {
  AUTH_VALUES,
  CHART_DIR,
  Container,
  DataObject,
  Deployment,
  helm,
  helmBinary,
  Hpa,
  Ingress,
  K8sObject,
  lint,
  named,
  ofKind,
  Pdb,
  RELEASE,
  render,
  Service,
  template,
} from './helm-cli';

const SERVICES = [
  ['api', 8080],
  ['scheduler', 8081],
  ['lease-broker', 8082],
  ['ledger-writer', 8083],
  ['rate-limiter', 8084],
  ['event-notifier', 8085],
] as const;
const NAMES = SERVICES.map(([name]) => name);

const fullname = (service: string): string => `${RELEASE}-orch-${service}`;
const container = (d: Deployment): Container => d.spec.template.spec.containers[0];
const env = (c: Container, name: string) => c.env.find((e) => e.name === name);
const isSubset = (sub: Record<string, string>, of: Record<string, string>): boolean =>
  Object.entries(sub).every(([k, v]) => of[k] === v);
/** Names of the objects of a kind that belong to a service (by the component label). */
const componentsOf = (objects: K8sObject[], kind: string): string[] =>
  objects.filter((o) => o.kind === kind).map((o) => o.metadata.labels?.['app.kubernetes.io/component'] ?? '?');

describe('the helm/orch chart, rendered and linted by the real Helm 4 binary', () => {
  beforeAll(() => {
    helmBinary();
  }, 120_000);

  it('passes helm lint --strict with the default values plus a JWKS URL', () => {
    const r = lint();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('0 chart(s) failed');
  });

  it('passes helm lint --strict with every optional feature switched on', () => {
    const services = Object.fromEntries(NAMES.map((n) => [n, { hpa: { enabled: true }, pdb: { enabled: true, maxUnavailable: null, minAvailable: '50%' } }]));
    const r = lint({
      services: {
        ...services,
        api: { ...services.api, ingress: { enabled: true, className: 'nginx', tls: [{ secretName: 'orch-tls', hosts: ['orch.example.com'] }] } },
        'event-notifier': { ...services['event-notifier'], ingress: { enabled: true }, service: { type: 'LoadBalancer', port: 443 } },
      },
      postgres: { existingSecret: 'orch-db', existingSecretKey: 'database-url' },
      nats: { existingSecret: 'orch-nats' },
      otel: { endpoint: 'http://otel-collector:4318' },
      image: { digest: `sha256:${'a'.repeat(64)}` },
      imagePullSecrets: [{ name: 'regcred' }],
      demoWorker: { enabled: true, nats: { nkeySeedSecret: 'orch-nats-demo' } },
      extraEnv: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=384' }],
      auth: { jwksUrl: '', jwksSecret: 'orch-jwks', issuer: 'https://idp.example.com/', audience: 'orch-prod', clockToleranceSeconds: 5 },
    });
    expect(r.stdout + r.stderr).toContain('0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  it('prints install notes with how to reach the api and the event stream (helm install --dry-run=client)', () => {
    const r = helm(['install', RELEASE, CHART_DIR, '--dry-run=client', '--namespace', 'orch', '--set', `auth.jwksUrl=${AUTH_VALUES.auth.jwksUrl}`]);
    expect(r.status).toBe(0);
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    expect(notes).toContain(`port-forward svc/${fullname('api')} 8080:8080`);
    expect(notes).toContain(`port-forward svc/${fullname('event-notifier')} 8085:8085`);
    expect(notes).toContain('set postgres.existingSecret');
    expect(notes).toContain(`verified against ${AUTH_VALUES.auth.jwksUrl}`);
  });

  describe('with the default values', () => {
    let objects: K8sObject[];
    beforeAll(() => {
      objects = render();
    });

    it('renders exactly one Deployment and one Service per service, and nothing for the demo worker', () => {
      expect(componentsOf(objects, 'Deployment').sort()).toEqual([...NAMES].sort());
      expect(componentsOf(objects, 'Service').sort()).toEqual([...NAMES].sort());
      expect(ofKind(objects, 'Ingress')).toHaveLength(0);
      expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
    });

    it.each(SERVICES)('runs %s on port %d bound to 0.0.0.0 with liveness /healthz, readiness /readyz and a startup probe', (name, port) => {
      const d = named<Deployment>(objects, 'Deployment', fullname(name));
      const c = container(d);
      expect(c.image).toBe('orch:0.1.0');
      expect(env(c, 'ORCH_SERVICE')?.value).toBe(name);
      expect(env(c, 'HTTP_HOST')?.value).toBe('0.0.0.0');
      expect(env(c, 'HTTP_PORT')?.value).toBe(String(port));
      expect(c.ports).toEqual([{ name: 'http', containerPort: port, protocol: 'TCP' }]);
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(c.startupProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(d.spec.replicas).toBe(2);
    });

    it.each(NAMES)('gives %s requests and limits for CPU and memory', (name) => {
      const { resources } = container(named<Deployment>(objects, 'Deployment', fullname(name)));
      expect(Object.keys(resources.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(resources.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
    });

    it.each(NAMES)('runs %s non-root on a read-only root filesystem with no capabilities and a writable /tmp', (name) => {
      const d = named<Deployment>(objects, 'Deployment', fullname(name));
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container(d).securityContext).toEqual({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const tmp = container(d).volumeMounts.find((m) => m.mountPath === '/tmp');
      expect(pod.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(named(objects, 'ServiceAccount', pod.serviceAccountName)).toBeDefined();
    });

    it.each(NAMES)('lets %s drain: terminationGracePeriodSeconds covers SHUTDOWN_GRACE_MS plus the preStop sleep', (name) => {
      const d = named<Deployment>(objects, 'Deployment', fullname(name));
      const graceMs = Number(env(container(d), 'SHUTDOWN_GRACE_MS')?.value);
      expect(graceMs).toBe(10_000);
      expect(d.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(graceMs + 5_000);
    });

    it('keeps NATS_URL and the shared settings in a ConfigMap and DATABASE_URL only in a Secret', () => {
      const cm = named<DataObject>(objects, 'ConfigMap', `${RELEASE}-orch-env`);
      expect(cm.data).toEqual({ ORCH_NAMESPACE: 'orch', LOG_LEVEL: 'info', NATS_URL: 'nats://nats:4222', NODE_ENV: 'production' });
      const secret = named<DataObject>(objects, 'Secret', `${RELEASE}-orch-postgres`);
      expect(Buffer.from(secret.data.url, 'base64').toString()).toBe('postgres://orch@postgres:5432/orch');
      for (const d of ofKind<Deployment>(objects, 'Deployment')) {
        const c = container(d);
        expect(c.envFrom).toEqual([{ configMapRef: { name: cm.metadata.name } }]);
        expect(env(c, 'DATABASE_URL')).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: secret.metadata.name, key: 'url' } } });
        expect(env(c, 'NATS_PASSWORD')).toBeUndefined();
      }
    });

    it('gives ledger-writer five times the startup allowance of the others, for its migrations', () => {
      const allowance = (name: string): number => {
        const p = container(named<Deployment>(objects, 'Deployment', fullname(name))).startupProbe!;
        return p.periodSeconds * p.failureThreshold;
      };
      expect(allowance('ledger-writer')).toBe(600);
      for (const name of NAMES.filter((n) => n !== 'ledger-writer')) expect(allowance(name)).toBe(120);
    });

    it.each(SERVICES)('routes the %s Service (port %d) to its own pods only', (name, port) => {
      const svc = named<Service>(objects, 'Service', fullname(name));
      expect(svc.spec.type).toBe('ClusterIP');
      expect(svc.spec.ports).toEqual([{ name: 'http', port, targetPort: 'http', protocol: 'TCP' }]);
      const selecting = ofKind<Deployment>(objects, 'Deployment').filter((d) => isSubset(svc.spec.selector, d.spec.template.metadata.labels));
      expect(selecting.map((d) => d.metadata.name)).toEqual([fullname(name)]);
    });

    it.each(NAMES)('protects %s with a PodDisruptionBudget that allows one pod down', (name) => {
      const pdb = named<Pdb>(objects, 'PodDisruptionBudget', fullname(name));
      expect(pdb.apiVersion).toBe('policy/v1');
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.minAvailable).toBeUndefined();
      expect(pdb.spec.selector.matchLabels).toEqual(named<Deployment>(objects, 'Deployment', fullname(name)).spec.selector.matchLabels);
    });

    it('labels every object with the app.kubernetes.io conventions', () => {
      for (const o of objects) {
        expect(o.metadata.labels).toMatchObject({
          'app.kubernetes.io/name': 'orch',
          'app.kubernetes.io/instance': RELEASE,
          'app.kubernetes.io/version': '0.1.0',
          'app.kubernetes.io/managed-by': 'Helm',
          'app.kubernetes.io/part-of': 'orch',
        });
      }
    });
  });

  it('takes DATABASE_URL from postgres.existingSecret and renders no Secret of its own', () => {
    const objects = render({ postgres: { url: '', existingSecret: 'orch-db', existingSecretKey: 'database-url' } });
    expect(ofKind(objects, 'Secret')).toHaveLength(0);
    for (const d of ofKind<Deployment>(objects, 'Deployment')) {
      expect(env(container(d), 'DATABASE_URL')?.valueFrom).toEqual({ secretKeyRef: { name: 'orch-db', key: 'database-url' } });
    }
  });

  it('takes NATS credentials from nats.existingSecret as NATS_USER and NATS_PASSWORD', () => {
    const objects = render({ nats: { url: 'tls://nats-a:4222,tls://nats-b:4222', existingSecret: 'orch-nats' } });
    expect(named<DataObject>(objects, 'ConfigMap', `${RELEASE}-orch-env`).data.NATS_URL).toBe('tls://nats-a:4222,tls://nats-b:4222');
    const c = container(named<Deployment>(objects, 'Deployment', fullname('lease-broker')));
    expect(env(c, 'NATS_USER')?.valueFrom).toEqual({ secretKeyRef: { name: 'orch-nats', key: 'user' } });
    expect(env(c, 'NATS_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'orch-nats', key: 'password' } });
  });

  it('mounts the services\' nkey seed from nats.nkeySeedSecret and names the file in NATS_NKEY_SEED_FILE', () => {
    const objects = render({ nats: { nkeySeedSecret: 'orch-nats-seed' } });
    for (const d of ofKind<Deployment>(objects, 'Deployment')) {
      const c = container(d);
      expect(env(c, 'NATS_NKEY_SEED_FILE')?.value).toBe('/var/run/secrets/orch/nats/seed');
      expect(env(c, 'NATS_USER')).toBeUndefined();
      expect(c.volumeMounts).toContainEqual({ name: 'nats-nkey', mountPath: '/var/run/secrets/orch/nats', readOnly: true });
      expect(d.spec.template.spec.volumes).toContainEqual({
        name: 'nats-nkey',
        secret: { secretName: 'orch-nats-seed', defaultMode: 0o440, items: [{ key: 'seed', path: 'seed' }] },
      });
    }
  });

  it('gives the demo worker a tenant\'s worker credentials as DEMO_NATS_*, never the services\' NATS credentials', () => {
    const objects = render({ nats: { existingSecret: 'orch-nats' }, demoWorker: { enabled: true, tenants: 't1', nats: { existingSecret: 'orch-nats-t1' } } });
    const c = container(named<Deployment>(objects, 'Deployment', fullname('demo-worker')));
    expect(env(c, 'DEMO_NATS_USER')?.valueFrom).toEqual({ secretKeyRef: { name: 'orch-nats-t1', key: 'user' } });
    expect(env(c, 'DEMO_NATS_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'orch-nats-t1', key: 'password' } });
    expect(env(c, 'NATS_USER')).toBeUndefined();
    expect(env(c, 'NATS_PASSWORD')).toBeUndefined();
  });

  describe('bearer-token settings (auth.*)', () => {
    const AUTH_NAMES = ['AUTH_JWKS_URL', 'AUTH_JWKS_FILE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_CLOCK_TOLERANCE_S'];
    const authEnv = (c: Container) => Object.fromEntries(c.env.filter((e) => AUTH_NAMES.includes(e.name)).map((e) => [e.name, e.value]));

    it('gives the api and the event-notifier, and only them, AUTH_* from auth.*', () => {
      const objects = render({ auth: { jwksUrl: 'https://idp.example.com/jwks', issuer: 'https://idp.example.com/', audience: 'orch-prod', clockToleranceSeconds: 10 } });
      for (const name of ['api', 'event-notifier']) {
        expect(authEnv(container(named<Deployment>(objects, 'Deployment', fullname(name))))).toEqual({
          AUTH_JWKS_URL: 'https://idp.example.com/jwks',
          AUTH_ISSUER: 'https://idp.example.com/',
          AUTH_AUDIENCE: 'orch-prod',
          AUTH_CLOCK_TOLERANCE_S: '10',
        });
      }
      for (const name of NAMES.filter((n) => n !== 'api' && n !== 'event-notifier')) {
        expect(authEnv(container(named<Deployment>(objects, 'Deployment', fullname(name))))).toEqual({});
      }
      expect(named<DataObject>(objects, 'ConfigMap', `${RELEASE}-orch-env`).data).not.toHaveProperty('AUTH_JWKS_URL');
    });

    it('mounts auth.jwksSecret read-only and names the file in AUTH_JWKS_FILE, for the token verifiers only', () => {
      const objects = render({ auth: { jwksSecret: 'orch-jwks', jwksSecretKey: 'keys.json' } }, null);
      for (const name of ['api', 'event-notifier']) {
        const d = named<Deployment>(objects, 'Deployment', fullname(name));
        const c = container(d);
        expect(authEnv(c)).toEqual({ AUTH_JWKS_FILE: '/var/run/secrets/orch/auth/jwks.json', AUTH_ISSUER: 'orch-dev', AUTH_AUDIENCE: 'orch', AUTH_CLOCK_TOLERANCE_S: '30' });
        expect(c.volumeMounts).toContainEqual({ name: 'auth-jwks', mountPath: '/var/run/secrets/orch/auth', readOnly: true });
        expect(d.spec.template.spec.volumes).toContainEqual({
          name: 'auth-jwks',
          secret: { secretName: 'orch-jwks', defaultMode: 0o444, items: [{ key: 'keys.json', path: 'jwks.json' }] },
        });
      }
      const scheduler = named<Deployment>(objects, 'Deployment', fullname('scheduler'));
      expect(scheduler.spec.template.spec.volumes.map((v) => v.name)).not.toContain('auth-jwks');
    });

    it.each<[string, object]>([
      ['neither auth.jwksUrl nor auth.jwksSecret', {}],
      ['both auth.jwksUrl and auth.jwksSecret', { auth: { jwksUrl: 'https://idp.example.com/jwks', jwksSecret: 'orch-jwks' } }],
    ])('refuses to render with %s, naming both settings', (_label, values) => {
      const r = template(values, null);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/orch: set (only one of )?auth\.jwksUrl .*auth\.jwksSecret/);
    });

    it('renders without a key source when neither the api nor the event-notifier is enabled', () => {
      const objects = render({ services: { api: { enabled: false }, 'event-notifier': { enabled: false } } }, null);
      expect(componentsOf(objects, 'Deployment').sort()).toEqual(['lease-broker', 'ledger-writer', 'rate-limiter', 'scheduler']);
    });
  });

  it('hands the replica count to an autoscaling/v2 HPA when hpa is enabled', () => {
    const objects = render({ services: { scheduler: { hpa: { enabled: true, minReplicas: 3, maxReplicas: 9, targetCPUUtilizationPercentage: 60 } } } });
    const hpa = named<Hpa>(objects, 'HorizontalPodAutoscaler', fullname('scheduler'));
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: fullname('scheduler') });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 9]);
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } });
    expect(named<Deployment>(objects, 'Deployment', fullname('scheduler')).spec.replicas).toBeUndefined();
    expect(componentsOf(objects, 'HorizontalPodAutoscaler')).toEqual(['scheduler']);
  });

  it('uses minAvailable for a PDB when it is given, and renders no PDB when pdb is disabled', () => {
    const objects = render({ services: { api: { pdb: { minAvailable: 1 } }, scheduler: { pdb: { enabled: false } } } });
    expect(named<Pdb>(objects, 'PodDisruptionBudget', fullname('api')).spec).toMatchObject({ minAvailable: 1 });
    expect(named<Pdb>(objects, 'PodDisruptionBudget', fullname('api')).spec.maxUnavailable).toBeUndefined();
    expect(componentsOf(objects, 'PodDisruptionBudget')).not.toContain('scheduler');
  });

  it('removes every object of a disabled service and keeps the others', () => {
    const objects = render({
      services: {
        api: { enabled: false, hpa: { enabled: true }, ingress: { enabled: true } },
        'lease-broker': { enabled: false, hpa: { enabled: true } },
      },
    });
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'Ingress']) {
      expect(componentsOf(objects, kind)).not.toContain('api');
      expect(componentsOf(objects, kind)).not.toContain('lease-broker');
    }
    expect(componentsOf(objects, 'Deployment').sort()).toEqual(['event-notifier', 'ledger-writer', 'rate-limiter', 'scheduler']);
  });

  it('exposes api and event-notifier through Ingresses, with proxy buffering off for the SSE stream', () => {
    const objects = render({ services: { api: { ingress: { enabled: true } }, 'event-notifier': { ingress: { enabled: true } } } });
    const api = named<Ingress>(objects, 'Ingress', fullname('api'));
    const events = named<Ingress>(objects, 'Ingress', fullname('event-notifier'));
    expect(api.spec.rules[0].http.paths[0].backend.service).toEqual({ name: fullname('api'), port: { name: 'http' } });
    expect(events.spec.rules[0].http.paths[0]).toMatchObject({ path: '/api/v1/events', backend: { service: { name: fullname('event-notifier') } } });
    expect(events.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/proxy-buffering': 'off' });
    expect(api.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-buffering']).toBeUndefined();
  });

  it('derives terminationGracePeriodSeconds from a changed SHUTDOWN_GRACE_MS, globally and per service', () => {
    const objects = render({ shutdownGraceMs: 30_000, services: { 'ledger-writer': { shutdownGraceMs: 90_500 } } });
    const grace = (name: string) => {
      const d = named<Deployment>(objects, 'Deployment', fullname(name));
      return [Number(env(container(d), 'SHUTDOWN_GRACE_MS')?.value), d.spec.template.spec.terminationGracePeriodSeconds];
    };
    expect(grace('api')).toEqual([30_000, 40]);
    expect(grace('ledger-writer')).toEqual([90_500, 101]);
  });

  it('runs the demo worker only when enabled, without database credentials', () => {
    const objects = render({ demoWorker: { enabled: true, tenants: 'acme,demo' } });
    const d = named<Deployment>(objects, 'Deployment', fullname('demo-worker'));
    const c = container(d);
    expect(env(c, 'ORCH_SERVICE')?.value).toBe('demo-worker');
    expect(env(c, 'DEMO_TENANTS')?.value).toBe('acme,demo');
    expect(env(c, 'DATABASE_URL')).toBeUndefined();
    expect(env(c, 'DEMO_STOP_GRACE_MS')?.value).toBe('10000');
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(15);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  describe('values.schema.json', () => {
    it.each<[string, object, string]>([
      ['a replica count given as a word', { services: { api: { replicas: 'two' } } }, "at '/services/api/replicas': got string, want integer"],
      ['a negative replica count', { services: { scheduler: { replicas: -1 } } }, "at '/services/scheduler/replicas'"],
      ['an unknown key in a service', { services: { api: { replica: 2 } } }, "additional properties 'replica' not allowed"],
      ['an unknown top-level key', { logLevl: 'debug' }, "additional properties 'logLevl' not allowed"],
      ['an unknown service', { services: { billing: { enabled: true } } }, "additional properties 'billing' not allowed"],
      ['an Ingress on an internal service', { services: { scheduler: { ingress: { enabled: true } } } }, "additional properties 'ingress' not allowed"],
      ['credentials in nats.url (it lands in a ConfigMap)', { nats: { url: 'nats://orch:s3cret@nats:4222' } }, "at '/nats/url'"],
      ['both a password and an nkey seed Secret for the services', { nats: { existingSecret: 'a', nkeySeedSecret: 'b' } }, "at '/nats/nkeySeedSecret'"],
      ['both a password and an nkey seed Secret for the demo worker', { demoWorker: { enabled: true, nats: { existingSecret: 'a', nkeySeedSecret: 'b' } } }, "at '/demoWorker/nats/nkeySeedSecret'"],
      ['no DATABASE_URL source at all', { postgres: { url: '', existingSecret: '' } }, "at '/postgres'"],
      ['a SHUTDOWN_GRACE_MS the services would reject', { shutdownGraceMs: 200_000 }, "at '/shutdownGraceMs'"],
      ['an ORCH_NAMESPACE the services would reject', { orchNamespace: 'Orch-Prod' }, "at '/orchNamespace'"],
      ['a non-string env value', { services: { api: { extraEnv: [{ name: 'X', value: 3 }] } } }, "at '/services/api/extraEnv/0/value'"],
      ['a log level the services do not know', { logLevel: 'verbose' }, "at '/logLevel'"],
      ['an enabled PDB with neither bound', { services: { api: { pdb: { maxUnavailable: null } } } }, "at '/services/api/pdb'"],
      ['a JWKS URL that is not http(s)', { auth: { jwksUrl: 'ftp://idp.example.com/jwks' } }, "at '/auth/jwksUrl'"],
      ['a clock tolerance the services would reject', { auth: { clockToleranceSeconds: 301 } }, "at '/auth/clockToleranceSeconds'"],
      ['an empty issuer', { auth: { issuer: '' } }, "at '/auth/issuer'"],
      ['an unknown key under auth', { auth: { jwks: 'x' } }, "additional properties 'jwks' not allowed"],
    ])('makes helm template fail on %s', (_label, values, message) => {
      const r = template(values);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain("values don't meet the specifications of the schema");
      expect(r.stderr).toContain(message);
    });

    it('makes helm lint --strict fail on a bad value too', () => {
      const r = lint({ services: { 'rate-limiter': { replicas: 'two' } } });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toContain("at '/services/rate-limiter/replicas': got string, want integer");
    });

    it.each<[string, object, string]>([
      ['an HPA whose minimum is above its maximum', { services: { api: { hpa: { enabled: true, minReplicas: 5, maxReplicas: 3 } } } }, 'minReplicas (5) is above maxReplicas (3)'],
      ['an HPA without a CPU request', { services: { api: { hpa: { enabled: true }, resources: { requests: { cpu: null } } } } }, 'services.api.hpa needs services.api.resources.requests.cpu'],
    ])('refuses %s with a message naming the values', (_label, values, message) => {
      const r = template(values);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(message);
    });
  });
});
