import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '@wikicast/test/support';
import { parse } from 'yaml';
import { dockerignore, ignored, stages, type Stage } from './dockerfile.js';

/**
 * deploy/docker/Dockerfile and .dockerignore, linted lightly: no Docker engine here to build
 * them, so these check what a build and a Kubernetes pod rely on.
 */
const DOCKERFILE = readFileSync(join(REPO_ROOT, 'deploy/docker/Dockerfile'), 'utf8');
const SERVICES = { ingest: 8100, edge: 8101 } as const;

const parsed = stages(DOCKERFILE);
const byName = new Map(parsed.stages.map((s) => [s.name, s]));

/** The instructions of a stage and every stage it is built FROM, base first. */
function lineage(name: string): Stage[] {
  const stage = byName.get(name);
  assert.ok(stage, `stage ${name}`);
  return byName.has(stage.from) ? [...lineage(stage.from), stage] : [stage];
}

function last(name: string, instruction: string): string | undefined {
  const found = lineage(name)
    .flatMap((s) => s.lines)
    .filter((l) => l.toUpperCase().startsWith(`${instruction} `));
  return found.at(-1)?.slice(instruction.length + 1).trim();
}

describe('Dockerfile', () => {
  it('builds on a Node 20 bookworm-slim image pinned by full version (glibc, for uWebSockets.js) in several stages', () => {
    const image = parsed.args.get('NODE_IMAGE') ?? '';
    const pinned = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim$/.exec(image);
    assert.ok(pinned, `NODE_IMAGE ${image} names a full Node version, not a moving tag`);
    // The Node the workspace declares (engines) and the uWebSockets.js build covers (docs/operations.md, "Runtime support").
    const engines = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const [, minMajor, minMinor] = /^>=(\d+)\.(\d+)/.exec(engines) ?? [];
    assert.equal(Number(pinned[1]), 20);
    assert.equal(Number(pinned[1]), Number(minMajor));
    assert.ok(Number(pinned[2]) >= Number(minMinor), `${image} is at least ${engines}`);
    const operations = readFileSync(join(REPO_ROOT, 'docs/operations.md'), 'utf8');
    assert.ok(operations.includes(`\`${image}\``), 'docs/operations.md names the image the Dockerfile pins');
    for (const stage of parsed.stages) {
      assert.ok(stage.from === '${NODE_IMAGE}' || byName.has(stage.from), `${stage.name} is FROM the Node image or an earlier stage`);
    }
    assert.ok(parsed.stages.length >= 3);
  });

  it('installs with pnpm 9 from the frozen lockfile and lays out production dependencies only, as locked', () => {
    // pnpm by full version too: a new pnpm 9 release may read the same lockfile differently.
    assert.match(DOCKERFILE, /npm install --global pnpm@9\.\d+\.\d+ /);
    assert.match(DOCKERFILE, /pnpm install [^\n]*--frozen-lockfile/);
    // pnpm 9's deploy resolves versions afresh, ignoring the lockfile (and needs registry metadata).
    assert.doesNotMatch(DOCKERFILE, /\bpnpm\b[^\n]*\bdeploy\b/);
    const appTree = readFileSync(join(REPO_ROOT, 'deploy/docker/app-tree.sh'), 'utf8');
    assert.match(appTree, /pnpm install --prod --frozen-lockfile --offline /);
    for (const service of Object.keys(SERVICES)) {
      assert.match(DOCKERFILE, new RegExp(`sh deploy/docker/app-tree\\.sh ${service} /pnpm-store /out`));
    }
  });

  for (const [service, port] of Object.entries(SERVICES)) {
    describe(`target ${service}`, () => {
      it('runs as a numeric non-root user, so Kubernetes can check runAsNonRoot', () => {
        const user = last(service, 'USER') ?? '';
        assert.match(user, /^\d+(:\d+)?$/);
        assert.notEqual(user.split(':')[0], '0');
        const runtime = lineage(service);
        assert.equal(runtime[0]?.from, '${NODE_IMAGE}', 'the final image starts from the slim Node image, not the build stage');
        assert.ok(!runtime.some((s) => s.lines.some((l) => /pnpm|npm install/.test(l))), 'no package manager runs in the final image');
      });

      it(`exposes and listens on ${port}, on every interface`, () => {
        assert.equal(last(service, 'EXPOSE'), String(port));
        assert.match(last(service, 'ENV') ?? '', new RegExp(`PORT=${port}\\b`));
        assert.ok(lineage(service).some((s) => s.lines.some((l) => /HOST=0\.0\.0\.0/.test(l))));
        const config = readFileSync(join(REPO_ROOT, `services/${service}/src/config.ts`), 'utf8');
        assert.match(config, new RegExp(`DEFAULT_PORT = ${port};`), 'the service default agrees');
        const manifest = readFileSync(join(REPO_ROOT, `deploy/kubernetes/base/${service}.yaml`), 'utf8');
        assert.match(manifest, new RegExp(`containerPort: ${port}\\b`), 'the Kubernetes Deployment agrees');
      });

      it('starts the compiled entry point that its build emits', () => {
        assert.equal(last(service, 'CMD'), '["node", "dist/main.js"]');
        assert.equal(last(service, 'WORKDIR'), `/app/services/${service}`);
        const build = parse(readFileSync(join(REPO_ROOT, `services/${service}/tsconfig.build.json`), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string } };
        assert.deepEqual([build.compilerOptions.rootDir, build.compilerOptions.outDir], ['src', 'dist']);
        assert.ok(existsSync(join(REPO_ROOT, `services/${service}/src/main.ts`)));
        assert.match(DOCKERFILE, new RegExp(`COPY --from=build-${service} /out /app`));
      });
    });
  }
});

describe('.dockerignore', () => {
  const rules = dockerignore(REPO_ROOT);
  const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

  it('keeps what the build needs in the context', () => {
    const needed = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json', 'test/package.json', 'packages/client/package.json'];
    for (const dir of ['packages/protocol', 'packages/service-runtime', 'services/ingest', 'services/edge']) {
      needed.push(`${dir}/package.json`, `${dir}/tsconfig.build.json`, ...tracked.filter((f) => f.startsWith(`${dir}/src/`)));
    }
    assert.deepEqual(needed.filter((f) => ignored(rules, f)), []);
  });

  it('keeps installed modules, builds, git, local state and tests out', () => {
    for (const path of ['node_modules/x/index.js', 'services/edge/node_modules/x', 'packages/protocol/dist/index.js', '.git/HEAD', '.local/wikis.json', 'services/edge/test/edge.test.ts', 'test/e2e/event-path.test.ts', 'packages/client/src/index.ts', 'docs/operations.md']) {
      assert.ok(ignored(rules, path), `${path} is ignored`);
    }
  });
});
