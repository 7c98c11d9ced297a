// The server's view of the desired state: the store's resources, the Model they build (cached per
// revision), and the two writes: apply (put manifests) and delete. Every write is validated against the
// whole model it would produce, with the same assembleModel as the CLI, and committed over exactly the
// snapshot it was validated against; a concurrent write in between makes the store refuse, and we retry.
import { Conflict, InvalidInput, MoatError, NotFound } from "../errors/index.js";
import type { Model, SourcedDoc } from "../model/index.js";
import { assembleModel, type ParsedSources } from "../service/index.js";
import { keyText, RESOURCE_KINDS, sameKey, type Manifest, type ResourceKey, type ResourceKind, type Snapshot, type Store, type StoredResource } from "../store/index.js";
import { toMoatDocuments } from "../importers/index.js";
import { manifestKey } from "./resources.js";

const STORED = "<stored>";
const RETRIES = 8;

export interface ApplyResult {
  revision: number;
  created: string[];
  updated: string[];
  unchanged: string[];
}

export interface View {
  revision: number;
  resources: StoredResource[];
  model: Model;
  /** Set when the store cannot be read and this is the last view read: why it may be stale. */
  stale?: string;
}

const asDocs = (resources: StoredResource[]): SourcedDoc[] => resources.map((r, index) => ({ file: STORED, index, doc: r.object }));

export class DesiredState {
  private cached?: View;

  constructor(readonly store: Store) {}

  private lastGood?: View;

  /**
   * The current view, rebuilt only when the store's revision moved (a cheap read), so every replica
   * answers from the latest write. When the store cannot be read (etcd without quorum), the last view
   * read, marked stale, so that reads go on answering (and say so) while writes fail.
   */
  async view(): Promise<View> {
    let snap;
    try {
      const revision = await this.store.revision();
      if (this.cached?.revision === revision) return this.cached;
      snap = await this.store.snapshot();
    } catch (e) {
      if (e instanceof MoatError && e.kind === "unavailable" && this.lastGood) return { ...this.lastGood, stale: e.message };
      throw e;
    }
    const view = { revision: snap.revision, resources: snap.resources, model: this.modelOf(snap.resources) };
    this.cached = view;
    this.lastGood = view;
    return view;
  }

  private modelOf(resources: StoredResource[]): Model {
    return assembleModel({ docs: asDocs(resources), issues: [] });
  }

  /** Puts the documents (moat's or Kubernetes') as one transaction; nothing is stored when any is invalid. */
  async apply(body: ParsedSources): Promise<ApplyResult> {
    if (body.issues.length) throw new InvalidInput(body.issues);
    return this.retrying(async (snap) => {
      // Kubernetes documents are translated in the context of what is stored (its pod network, namespaces).
      const translated = toMoatDocuments([...asDocs(snap.resources), ...body.docs]);
      if (translated.issues.length) throw new InvalidInput(translated.issues);
      const incoming = translated.docs.filter((d) => d.file !== STORED);
      const replaced = new Set(incoming.map((d) => tryKey(d.doc)).filter((k) => k !== undefined).map(keyText));
      // What is stored and not replaced, plus every incoming document (duplicates too, so that they are
      // reported as the CLI reports them): the whole model this write would produce.
      const kept = snap.resources.filter((r) => !replaced.has(keyText(r.key)));
      const failure = assembleOrIssues([...asDocs(kept), ...incoming]);
      if (failure) throw failure;
      const before = new Map(snap.resources.map((r) => [keyText(r.key), JSON.stringify(r.object)]));
      const puts = incoming.map((d) => ({ key: manifestKey(d.doc as Manifest), object: d.doc as Manifest }));
      const result: ApplyResult = { revision: snap.revision, created: [], updated: [], unchanged: [] };
      for (const p of puts) {
        const old = before.get(keyText(p.key));
        (old === undefined ? result.created : old === JSON.stringify(p.object) ? result.unchanged : result.updated).push(keyText(p.key));
      }
      const committed = await this.store.commit(snap.revision, puts, []);
      return { ...result, revision: committed.revision };
    });
  }

  /** Deletes the resources as one transaction, or refuses (422) when the rest would not be valid. */
  async remove(keys: ResourceKey[], { missingOk = false } = {}): Promise<{ revision: number; deleted: string[] }> {
    return this.retrying(async (snap) => {
      const missing = keys.filter((k) => !snap.resources.some((r) => sameKey(r.key, k)));
      if (missing.length && !missingOk) throw new NotFound(`not found: ${missing.map(keyText).join(", ")}`);
      const rest = snap.resources.filter((r) => !keys.some((k) => sameKey(r.key, k)));
      const failure = assembleOrIssues(asDocs(rest));
      if (failure) throw failure;
      const committed = await this.store.commit(snap.revision, [], keys);
      return { revision: committed.revision, deleted: keys.filter((k) => !missing.includes(k)).map(keyText) };
    });
  }

  private async retrying<T>(write: (snap: Snapshot) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const snap = await this.store.snapshot();
      try {
        return await write(snap);
      } catch (e) {
        if (!(e instanceof Conflict) || attempt >= RETRIES) throw e;
      }
    }
  }
}

/** The key of a document that looks like a moat resource; undefined for one that validation will refuse. */
function tryKey(doc: unknown): ResourceKey | undefined {
  const d = doc as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
  if (!d || typeof d !== "object" || !RESOURCE_KINDS.includes(d.kind as ResourceKind) || typeof d.metadata?.name !== "string") return undefined;
  try {
    return manifestKey(d as Manifest);
  } catch {
    return undefined;
  }
}

function assembleOrIssues(docs: SourcedDoc[]): InvalidInput | undefined {
  try {
    assembleModel({ docs, issues: [] });
    return undefined;
  } catch (e) {
    if (e instanceof InvalidInput) return e;
    throw e;
  }
}
