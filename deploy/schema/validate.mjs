// Validates Kubernetes objects against the JSON schemas that the kubernetes-models packages
// generate from the Kubernetes OpenAPI and the operators' CRDs, each object by its own apiVersion
// and kind (no fixed list, so a new kind needs no change here if a package below knows it).
//
//   node validate.mjs [file]     multi-document YAML from the file, or from stdin without one
//
// Prints one line a problem, `Kind/name: /json/pointer: message`, and exits 1 if there is any:
// a schema violation, a document that does not parse, or a kind that no package has a schema for
// (unless ALLOWED lists it); exits 0 otherwise.
//
// What the schemas do not check: unknown fields (the upstream schemas allow them, as the API
// server's non-strict decoding does). The Java tests' strict model classes catch those.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

// Each package lays its models out as `<package>/<apiVersion>` (the core group as `v1`), one
// exported class a kind. Tried in order; the first with the kind wins.
const PACKAGES = [
  "kubernetes-models", // core, apps, networking.k8s.io, policy, ... of Kubernetes itself
  "@kubernetes-models/prometheus-operator", // monitoring.coreos.com
  "@kubernetes-models/cert-manager", // cert-manager.io, acme.cert-manager.io
  "@kubernetes-models/strimzi-kafka-operator", // kafka.strimzi.io, core.strimzi.io
];

// `apiVersion kind` of objects that pass without a schema, each with the reason it may.
const ALLOWED = new Map([
  // none: every kind deploy/ renders has a schema
]);

async function modelFor(apiVersion, kind) {
  for (const pkg of PACKAGES) {
    let module;
    try {
      module = await import(`${pkg}/${apiVersion}`);
    } catch (e) {
      // the package has no such API group or version
      if (e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED" || e.code === "ERR_MODULE_NOT_FOUND") continue;
      throw e;
    }
    const model = module[kind];
    if (typeof model === "function" && model.apiVersion === apiVersion && model.kind === kind) {
      return model;
    }
  }
  return null;
}

/** The problems of one document, as `pointer: message`. */
async function problems(doc) {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    return ["/: the document is not a mapping"];
  }
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["/: apiVersion and kind must be strings"];
  }
  const model = await modelFor(apiVersion, kind);
  if (model === null) {
    return ALLOWED.has(`${apiVersion} ${kind}`) ? [] : [`/: no schema for ${apiVersion} ${kind}`];
  }
  try {
    new model(doc).validate();
    return [];
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    return e.errors.map((err) => `${err.instancePath || "/"}: ${message(err)}`);
  }
}

function message(err) {
  const allowed = err.params?.allowedValues;
  return allowed ? `${err.message} (${allowed.join(", ")})` : err.message;
}

const file = process.argv[2];
const text = readFileSync(file ?? 0, "utf8");
let failed = false;
for (const document of parseAllDocuments(text)) {
  let name = "?/?";
  let lines;
  if (document.errors.length > 0) {
    lines = document.errors.map((e) => `/: ${e.message.split("\n")[0]}`);
  } else {
    const doc = document.toJS();
    if (doc === null || doc === undefined) continue; // an empty document, as after a trailing ---
    name = `${doc.kind ?? "?"}/${doc.metadata?.name ?? "?"}`;
    lines = await problems(doc);
  }
  for (const line of lines) {
    console.log(`${name}: ${line}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
