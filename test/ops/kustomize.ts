/**
 * Renders deploy/kubernetes for the manifest tests: with `kubectl kustomize` where kubectl is
 * installed, otherwise a partial render of our own (the subset of kustomize the manifests use:
 * resources, components, generators, namespace, images), without patches, which are returned
 * separately so that the tests can still check what they target.
 */
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
};

export interface Patch {
  file: string;
  /** The resource a strategic-merge patch names, or a JSON 6902 patch's target. */
  target: { kind: string; name: string };
  /** The patch's own content: a partial manifest, or a list of JSON 6902 operations. */
  content: unknown;
}

export interface Rendered {
  manifests: Manifest[];
  /** Empty when kubectl rendered (it applied them); otherwise the patches it would have applied. */
  unappliedPatches: Patch[];
  renderer: 'kubectl' | 'partial';
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  components?: string[];
  patches?: Array<{ path: string; target?: { kind: string; name: string } }>;
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
  configMapGenerator?: Array<{ name: string; files: string[] }>;
  secretGenerator?: Array<{ name: string; files: string[] }>;
}

export function parseManifests(text: string, source: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as unknown;
    return value === null ? [] : [value as Manifest];
  });
}

let kubectlPresent: boolean | undefined;
export async function hasKubectl(): Promise<boolean> {
  if (kubectlPresent === undefined) {
    kubectlPresent = await run('kubectl', ['version', '--client']).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
  }
  return kubectlPresent;
}

export async function render(dir: string): Promise<Rendered> {
  if (await hasKubectl()) {
    const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
    return { manifests: parseManifests(stdout, dir), unappliedPatches: [], renderer: 'kubectl' };
  }
  const result: Rendered = { manifests: [], unappliedPatches: [], renderer: 'partial' };
  renderPartial(dir, result);
  return result;
}

function readKustomization(dir: string): Kustomization {
  return parseManifests(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'), dir)[0] as unknown as Kustomization;
}

function renderPartial(dir: string, into: Rendered): void {
  const k = readKustomization(dir);
  const own: Manifest[] = [];
  for (const entry of k.resources ?? []) {
    const path = resolve(dir, entry);
    if (statSync(path).isDirectory()) renderPartial(path, { ...into, manifests: own });
    else own.push(...parseManifests(readFileSync(path, 'utf8'), path));
  }
  for (const component of k.components ?? []) renderPartial(resolve(dir, component), { ...into, manifests: own });
  for (const generator of k.configMapGenerator ?? []) own.push(generated('ConfigMap', generator.name, dir, generator.files, false));
  for (const generator of k.secretGenerator ?? []) own.push(generated('Secret', generator.name, dir, generator.files, true));
  for (const patch of k.patches ?? []) {
    const file = resolve(dir, patch.path);
    const content = parseManifests(readFileSync(file, 'utf8'), file)[0] as unknown;
    const named = content as Partial<Manifest>;
    const target = patch.target ?? { kind: String(named.kind), name: String(named.metadata?.name) };
    into.unappliedPatches.push({ file, target, content });
  }
  for (const m of own) {
    if (k.namespace !== undefined && m.kind !== 'Namespace') m.metadata.namespace = k.namespace;
    for (const image of k.images ?? []) retag(m, image);
  }
  into.manifests.push(...own);
}

function generated(kind: 'ConfigMap' | 'Secret', name: string, dir: string, files: string[], encode: boolean): Manifest {
  const data: Record<string, string> = {};
  for (const spec of files) {
    const [key, path] = spec.includes('=') ? (spec.split('=', 2) as [string, string]) : [spec.split('/').pop() ?? spec, spec];
    const text = readFileSync(resolve(dir, path), 'utf8');
    data[key] = encode ? Buffer.from(text).toString('base64') : text;
  }
  return { apiVersion: 'v1', kind, metadata: { name }, data };
}

function retag(m: Manifest, image: { name: string; newName?: string; newTag?: string }): void {
  const containers = podContainers(m);
  for (const c of containers) {
    if (c.image === image.name) c.image = `${image.newName ?? image.name}${image.newTag === undefined ? '' : `:${image.newTag}`}`;
  }
}

export interface Container {
  name: string;
  image?: string;
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  [key: string]: unknown;
}

export function podContainers(m: Manifest): Container[] {
  const spec = (m as { spec?: { template?: { spec?: { containers?: Container[] } } } }).spec;
  return spec?.template?.spec?.containers ?? [];
}
