#!/usr/bin/env node
// The SDK's public API surface, one line per public item with its signature,
// sorted: what `sdk/public-api.txt` holds, so that a change to it shows in a
// diff and needs a CHANGELOG.md entry (see "Changelog" in the README).
//
//   node scripts/public-api.mjs           rewrite sdk/public-api.txt
//   node scripts/public-api.mjs --check   fail if it is out of date, or if a commit
//                                         since the last release changed it without
//                                         changing CHANGELOG.md
//
// The surface comes from rustdoc's JSON output (`cargo rustdoc -- --output-format
// json`, unstable, enabled on a stable toolchain by RUSTC_BOOTSTRAP=1), for the
// host and for wasm32 (some items differ by target: `durable::testing` is host
// only). Lines are printed from the public paths (`durable::rpc::Namespace`),
// never from the private modules items are defined in, so moving code between
// private modules changes nothing here. Items that are `#[doc(hidden)]` (the
// paths generated code uses) are not listed: they are not a public API.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const SURFACE = "sdk/public-api.txt";
const CHANGELOG = "CHANGELOG.md";
const PACKAGE = "durable-objects";
const LIBRARY = "durable";
const TARGETS = [
  { label: "host", triple: null },
  { label: "wasm32", triple: "wasm32-unknown-unknown" },
];
const UPDATE = "node scripts/public-api.mjs";
// Names printed without a path (the standard library's prelude and a few as common).
const STD_PRELUDE = new Set(["Option", "Result", "Vec", "String", "Box", "Send", "Sync", "Sized", "Unpin", "Copy", "Clone", "Fn", "FnMut", "FnOnce", "Drop", "Default", "Eq", "PartialEq", "Ord", "PartialOrd", "Iterator", "IntoIterator", "From", "Into", "TryFrom", "TryInto", "AsRef", "AsMut", "ToString", "Future", "Debug", "Display", "Hash", "UnwindSafe", "RefUnwindSafe", "Rc", "Arc", "BTreeMap", "HashMap", "Duration", "SystemTime", "PathBuf", "Path"]);
// The auto traits listed (rustdoc also computes unstable ones, such as `Freeze`,
// which a new toolchain may add to), and derive artifacts that are no promise.
const AUTO_TRAITS = new Set(["Send", "Sync", "Unpin", "UnwindSafe", "RefUnwindSafe"]);
const SKIPPED_TRAITS = new Set(["StructuralPartialEq"]);

// ---------------------------------------------------------------------------
// rustdoc JSON to lines

/** The rustdoc JSON of the SDK's library for one target (null: the host). */
function rustdocJson(triple) {
  const targetDir = JSON.parse(
    execFileSync("cargo", ["metadata", "--format-version", "1", "--no-deps"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 }),
  ).target_directory;
  const args = ["rustdoc", "--quiet", "-p", PACKAGE, "--lib"];
  if (triple) args.push("--target", triple);
  args.push("--", "-Z", "unstable-options", "--output-format", "json", "--cap-lints", "allow");
  const run = spawnSync("cargo", args, { cwd: ROOT, env: { ...process.env, RUSTC_BOOTSTRAP: "1" }, encoding: "utf8", stdio: ["ignore", "inherit", "pipe"] });
  if (run.status !== 0) throw new Error(`cargo ${args.join(" ")} failed:\n${run.stderr}`);
  const file = join(targetDir, ...(triple ? [triple] : []), "doc", `${LIBRARY}.json`);
  return JSON.parse(readFileSync(file, "utf8"));
}

/**
 * A foreign item's name: the crate and the name, not the modules inside it
 * (which a dependency may move: `worker::Request`, not `worker::request::Request`);
 * the standard library's common names bare, the rest under its first module
 * (`std::fmt::Error`, not `core::fmt::Error` or `core::num::dec2flt::ParseFloatError`).
 */
function foreign(path) {
  const [krate, ...rest] = path;
  if (!rest.length) return krate;
  const last = rest[rest.length - 1];
  if (["std", "core", "alloc"].includes(krate)) {
    if (STD_PRELUDE.has(last)) return last;
    return rest.length > 1 ? `std::${rest[0]}::${last}` : `std::${last}`;
  }
  return `${krate}::${last}`;
}

/** The sorted surface lines of one rustdoc JSON document. */
export function surfaceOf(doc) {
  const index = doc.index;
  const item = (id) => index[String(id)];
  const isLocal = (id) => item(id)?.crate_id === 0;

  // Every public path of every local item: walk the modules from the root,
  // following re-exports (`pub use`) of local items as if they were defined there.
  const found = []; // [path (array), id]
  const aliasesOfExternal = []; // [path, external path]
  const walked = new Set();
  const walk = (moduleId, prefix) => {
    if (walked.has(moduleId)) return;
    walked.add(moduleId);
    for (const id of item(moduleId)?.inner?.module?.items ?? []) {
      const it = item(id);
      if (!it) continue;
      const use = it.inner.use;
      if (use) {
        const target = use.id;
        if (use.is_glob) {
          if (target != null && item(target)?.inner?.module) walk(target, prefix);
          else aliasesOfExternal.push([[...prefix, "*"], use.source]);
        } else if (target != null && isLocal(target) && item(target)) {
          found.push([[...prefix, use.name], target]);
          if (item(target).inner.module) walk(target, [...prefix, use.name]);
        } else {
          const known = target != null ? doc.paths[String(target)] : undefined;
          aliasesOfExternal.push([[...prefix, use.name], known ? foreign(known.path) : use.source]);
        }
        continue;
      }
      if (!it.name) continue;
      found.push([[...prefix, it.name], id]);
      if (it.inner.module) walk(id, [...prefix, it.name]);
    }
  };
  found.push([[LIBRARY], doc.root]);
  walk(doc.root, [LIBRARY]);

  // The canonical path of an item: its shortest public path (ties: the first in
  // sorted order); the others are aliases.
  const canonical = new Map();
  const byId = new Map();
  for (const [path, id] of found) {
    if (!byId.has(id)) byId.set(id, []);
    byId.get(id).push(path.join("::"));
  }
  for (const [id, list] of byId) {
    const rank = (path) => (path.includes("::prelude::") ? 1 : 0); // the prelude only gathers
    list.sort((a, b) => rank(a) - rank(b) || a.split("::").length - b.split("::").length || (a < b ? -1 : a > b ? 1 : 0));
    canonical.set(id, list[0]);
  }

  const name = (id, written) => {
    if (id != null && canonical.has(id)) return canonical.get(id);
    const known = id != null ? doc.paths[String(id)] : undefined;
    if (known && known.crate_id !== 0) {
      // Foreign items: the crate and the name, not the modules inside it (which a
      // dependency may move); the standard library's prelude names bare, the rest
      // of it under `std::`.
      return foreign(known.path);
    }
    return written;
  };

  const P = new Printer(name);
  const lines = new Set();
  const add = (line) => lines.add(line.replace(/\s+/g, " ").trim());

  for (const [path, target] of aliasesOfExternal) add(`pub use ${path.join("::")} = ${target}`);
  for (const [id, list] of byId) for (const alias of list.slice(1)) add(`pub use ${alias} = ${canonical.get(id)}`);

  const deprecated = (it) => (it.deprecation ? " #[deprecated]" : "");
  const nonExhaustive = (it) => (JSON.stringify(it.attrs ?? []).includes("non_exhaustive") ? " #[non_exhaustive]" : "");

  const listedImpls = new Set();
  for (const [id, path] of canonical) {
    const it = item(id);
    const kind = Object.keys(it.inner)[0];
    const inner = it.inner[kind];
    switch (kind) {
      case "module":
        add(`mod ${path}`);
        break;
      case "function":
        add(`${P.fnHeader(inner.header)}fn ${path}${P.fnSig(inner)}${deprecated(it)}`);
        break;
      case "constant":
        add(`const ${path}: ${P.type(inner.type)} = ${inner.const?.expr ?? "?"}`);
        break;
      case "static":
        add(`static ${inner.is_mutable ? "mut " : ""}${path}: ${P.type(inner.type)}`);
        break;
      case "type_alias":
        add(`type ${path}${P.params(inner.generics)} = ${P.type(inner.type)}${P.where(inner.generics)}`);
        break;
      case "macro":
        add(`macro ${path}!`);
        break;
      case "proc_macro":
        add(`proc_macro ${path} (${inner.kind})`);
        break;
      case "struct":
      case "union": {
        const shape = inner.kind ?? {};
        let body = "";
        if (kind === "union" || shape.plain) {
          const fields = kind === "union" ? inner.fields : shape.plain.fields;
          const stripped = kind === "union" ? inner.has_stripped_fields : shape.plain.has_stripped_fields;
          body = stripped ? " { /* private fields */ }" : "";
          for (const f of fields) add(`field ${path}::${item(f).name}: ${P.type(item(f).inner.struct_field)}`);
        } else if (shape.tuple) {
          body = `(${shape.tuple.map((f) => (f == null ? "_" : `pub ${P.type(item(f).inner.struct_field)}`)).join(", ")})`;
        } else if (shape === "unit" || shape.unit !== undefined) {
          body = ";";
        }
        add(`${kind} ${path}${P.params(inner.generics)}${body}${P.where(inner.generics)}${nonExhaustive(it)}${deprecated(it)}`);
        implsOf(inner.impls, path);
        break;
      }
      case "enum": {
        add(`enum ${path}${P.params(inner.generics)}${P.where(inner.generics)}${inner.has_stripped_variants ? " { /* hidden variants */ }" : ""}${nonExhaustive(it)}${deprecated(it)}`);
        for (const v of inner.variants) {
          const variant = item(v);
          const vk = variant.inner.variant.kind;
          let body = "";
          if (vk?.tuple) body = `(${vk.tuple.map((f) => (f == null ? "_" : P.type(item(f).inner.struct_field))).join(", ")})`;
          else if (vk?.struct) {
            body = ` { ${vk.struct.fields.map((f) => `${item(f).name}: ${P.type(item(f).inner.struct_field)}`).join(", ")}${vk.struct.has_stripped_fields ? ", .." : ""} }`;
          }
          const discriminant = variant.inner.variant.discriminant ? ` = ${variant.inner.variant.discriminant.expr}` : "";
          add(`variant ${path}::${variant.name}${body}${discriminant}${nonExhaustive(variant)}`);
        }
        implsOf(inner.impls, path);
        break;
      }
      case "trait": {
        const bounds = inner.bounds?.length ? `: ${inner.bounds.map((b) => P.bound(b)).join(" + ")}` : "";
        const flags = `${inner.is_unsafe ? "unsafe " : ""}${inner.is_auto ? "auto " : ""}`;
        add(`${flags}trait ${path}${P.params(inner.generics)}${bounds}${P.where(inner.generics)}${inner.is_dyn_compatible === false ? " (not dyn compatible)" : ""}${deprecated(it)}`);
        for (const m of inner.items) assocItem(item(m), `${path}::`, "trait");
        break;
      }
      default:
        add(`${kind} ${path}`);
    }
  }

  // Impls that are not found through a type (a local trait implemented for a
  // foreign type, a foreign trait for a foreign type with a local argument).
  function implsOf(ids, path) {
    for (const implId of ids ?? []) listImpl(implId, path);
  }
  function listImpl(implId, typePath) {
    const impl = item(implId)?.inner?.impl;
    if (!impl || impl.blanket_impl || listedImpls.has(implId)) return;
    listedImpls.add(implId);
    if (!impl.trait) {
      // Inherent methods and constants: one line each, the impl's own generics after.
      const suffix = impl.generics.params.length || impl.generics.where_predicates.length ? ` [in impl${P.params(impl.generics)} ${P.type(impl.for)}${P.where(impl.generics)}]` : "";
      for (const m of impl.items) {
        const member = item(m);
        if (member && member.visibility === "public") assocItem(member, `${typePath ?? P.type(impl.for)}::`, "inherent", suffix);
      }
      return;
    }
    const assoc = impl.items
      .map((m) => item(m))
      .filter((m) => m?.inner?.assoc_type?.type)
      .map((m) => `type ${m.name} = ${P.type(m.inner.assoc_type.type)};`)
      .sort();
    const traitName = P.path({ ...impl.trait, args: null }).split("::").pop();
    if (impl.is_synthetic ? !AUTO_TRAITS.has(traitName) : SKIPPED_TRAITS.has(traitName)) return;
    const unsafe = impl.is_unsafe ? "unsafe " : "";
    add(`${unsafe}impl${P.params(impl.generics)} ${impl.is_negative ? "!" : ""}${P.path(impl.trait)} for ${P.type(impl.for)}${P.where(impl.generics)}${assoc.length ? ` { ${assoc.join(" ")} }` : ""}`);
  }
  function assocItem(member, prefix, where, suffix = "") {
    const kind = Object.keys(member.inner)[0];
    const inner = member.inner[kind];
    if (kind === "function") {
      const provided = where === "trait" && inner.has_body ? " (provided)" : "";
      add(`${P.fnHeader(inner.header)}fn ${prefix}${member.name}${P.fnSig(inner)}${provided}${suffix}${deprecated(member)}`);
    } else if (kind === "assoc_const") {
      add(`const ${prefix}${member.name}: ${P.type(inner.type)}${inner.value != null ? ` = ${inner.value}` : ""}${suffix}`);
    } else if (kind === "assoc_type") {
      const bounds = inner.bounds?.length ? `: ${inner.bounds.map((b) => P.bound(b)).join(" + ")}` : "";
      add(`type ${prefix}${member.name}${P.params(inner.generics)}${bounds}${inner.type ? ` = ${P.type(inner.type)}` : ""}${suffix}`);
    }
  }
  for (const [id, it] of Object.entries(index)) {
    if (it.crate_id !== 0 || !it.inner.impl) continue;
    const impl = it.inner.impl;
    if (impl.blanket_impl || listedImpls.has(Number(id))) continue;
    // Only impls that involve something public: skip those of private types.
    const forId = impl.for?.resolved_path?.id;
    if (forId != null && isLocal(forId) && !canonical.has(forId)) continue;
    const traitId = impl.trait?.id;
    if (traitId != null && isLocal(traitId) && !canonical.has(traitId)) continue;
    if (!impl.trait) continue; // inherent impls of foreign types cannot exist
    listImpl(Number(id), null);
  }

  return [...lines].sort();
}

/** Prints rustdoc JSON types, paths, bounds and generics as Rust. */
class Printer {
  constructor(name) {
    this.name = name;
  }

  type(t) {
    if (t == null) return "()";
    if (typeof t === "string") return t;
    const [kind] = Object.keys(t);
    const v = t[kind];
    switch (kind) {
      case "resolved_path":
        return this.path(v);
      case "generic":
      case "primitive":
        return v;
      case "tuple":
        return v.length === 1 ? `(${this.type(v[0])},)` : `(${v.map((x) => this.type(x)).join(", ")})`;
      case "slice":
        return `[${this.type(v)}]`;
      case "array":
        return `[${this.type(v.type)}; ${v.len}]`;
      case "borrowed_ref":
        return `&${v.lifetime ? `${v.lifetime} ` : ""}${v.is_mutable ? "mut " : ""}${this.type(v.type)}`;
      case "raw_pointer":
        return `*${v.is_mutable ? "mut" : "const"} ${this.type(v.type)}`;
      case "impl_trait":
        return `impl ${v.map((b) => this.bound(b)).join(" + ")}`;
      case "dyn_trait": {
        const traits = v.traits.map((p) => `${this.hrtb(p.generic_params)}${this.path(p.trait)}`);
        if (v.lifetime) traits.push(v.lifetime);
        return `dyn ${traits.join(" + ")}`;
      }
      case "function_pointer": {
        const sig = this.sigBody(v.sig);
        return `${this.hrtb(v.generic_params)}${this.fnHeader(v.header)}fn${sig}`;
      }
      case "qualified_path": {
        const self = this.type(v.self_type);
        const base = v.trait ? `<${self} as ${this.path(v.trait)}>` : self;
        return `${base}::${v.name}${this.args(v.args)}`;
      }
      case "infer":
        return "_";
      case "pat":
        return this.type(v.type);
      default:
        return `${kind}:${JSON.stringify(v)}`;
    }
  }

  path(p) {
    if (p == null) return "?";
    return `${this.name(p.id, p.path ?? p.name)}${this.args(p.args)}`;
  }

  args(a) {
    if (!a) return "";
    if (a.angle_bracketed) {
      const parts = a.angle_bracketed.args.map((x) => {
        if (x === "infer") return "_";
        if (x.lifetime) return x.lifetime;
        if (x.type) return this.type(x.type);
        if (x.const) return x.const.expr ?? "{ .. }";
        return JSON.stringify(x);
      });
      for (const c of a.angle_bracketed.constraints ?? []) {
        const binding = c.binding ?? {};
        if (binding.equality) {
          const term = binding.equality.type ? this.type(binding.equality.type) : binding.equality.constant?.expr ?? "?";
          parts.push(`${c.name}${this.args(c.args)} = ${term}`);
        } else if (binding.constraint) parts.push(`${c.name}${this.args(c.args)}: ${binding.constraint.map((b) => this.bound(b)).join(" + ")}`);
      }
      return parts.length ? `<${parts.join(", ")}>` : "";
    }
    if (a.parenthesized) {
      const out = a.parenthesized.output ? ` -> ${this.type(a.parenthesized.output)}` : "";
      return `(${a.parenthesized.inputs.map((x) => this.type(x)).join(", ")})${out}`;
    }
    return "(..)";
  }

  bound(b) {
    if (typeof b === "string") return b;
    if (b.trait_bound) {
      const m = { maybe: "?", maybe_const: "~const " }[b.trait_bound.modifier] ?? "";
      return `${this.hrtb(b.trait_bound.generic_params)}${m}${this.path(b.trait_bound.trait)}`;
    }
    if (b.outlives) return b.outlives;
    if (b.use) return `use<${b.use.map((x) => (typeof x === "string" ? x : x.lifetime ?? x.param ?? JSON.stringify(x))).join(", ")}>`;
    return JSON.stringify(b);
  }

  hrtb(params) {
    return params?.length ? `for<${params.map((p) => p.name).join(", ")}> ` : "";
  }

  params(g) {
    const ps = (g?.params ?? []).filter((p) => !p.kind?.type?.is_synthetic);
    if (!ps.length) return "";
    return `<${ps
      .map((p) => {
        if (p.kind.lifetime) return p.kind.lifetime.outlives?.length ? `${p.name}: ${p.kind.lifetime.outlives.join(" + ")}` : p.name;
        if (p.kind.type) {
          const bounds = p.kind.type.bounds?.length ? `: ${p.kind.type.bounds.map((b) => this.bound(b)).join(" + ")}` : "";
          const def = p.kind.type.default ? ` = ${this.type(p.kind.type.default)}` : "";
          return `${p.name}${bounds}${def}`;
        }
        if (p.kind.const) return `const ${p.name}: ${this.type(p.kind.const.type)}`;
        return p.name;
      })
      .join(", ")}>`;
  }

  where(g) {
    const preds = (g?.where_predicates ?? []).map((w) => {
      if (w.bound_predicate) {
        const b = w.bound_predicate;
        return `${this.hrtb(b.generic_params)}${this.type(b.type)}: ${b.bounds.map((x) => this.bound(x)).join(" + ")}`;
      }
      if (w.lifetime_predicate) return `${w.lifetime_predicate.lifetime}: ${w.lifetime_predicate.outlives.join(" + ")}`;
      if (w.eq_predicate) return `${this.type(w.eq_predicate.lhs)} == ${this.type(w.eq_predicate.rhs?.type ?? w.eq_predicate.rhs)}`;
      return JSON.stringify(w);
    });
    return preds.length ? ` where ${preds.join(", ")}` : "";
  }

  fnHeader(h) {
    if (!h) return "";
    const abi = h.abi && h.abi !== "Rust" ? `extern ${JSON.stringify(typeof h.abi === "string" ? h.abi : Object.keys(h.abi)[0])} ` : "";
    return `${h.is_const ? "const " : ""}${h.is_async ? "async " : ""}${h.is_unsafe ? "unsafe " : ""}${abi}`;
  }

  sigBody(sig) {
    const inputs = sig.inputs.map(([n, t]) => {
      if (n === "self") {
        if (t.generic === "Self") return "self";
        if (t.borrowed_ref?.type?.generic === "Self") return `&${t.borrowed_ref.lifetime ? `${t.borrowed_ref.lifetime} ` : ""}${t.borrowed_ref.is_mutable ? "mut " : ""}self`;
        return `self: ${this.type(t)}`;
      }
      return `${n}: ${this.type(t)}`;
    });
    if (sig.is_c_variadic) inputs.push("...");
    return `(${inputs.join(", ")})${sig.output ? ` -> ${this.type(sig.output)}` : ""}`;
  }

  fnSig(f) {
    return `${this.params(f.generics)}${this.sigBody(f.sig)}${this.where(f.generics)}`;
  }
}

// ---------------------------------------------------------------------------
// The surface file: every target's lines, marked where only some targets have them.

export function mergeTargets(perTarget) {
  const all = new Map();
  for (const [label, lines] of perTarget) for (const line of lines) (all.get(line) ?? all.set(line, []).get(line)).push(label);
  const out = [];
  for (const [line, labels] of all) out.push(labels.length === perTarget.length ? line : `${line} [${labels.join(", ")} only]`);
  return out.sort();
}

function generate() {
  const perTarget = TARGETS.map(({ label, triple }) => {
    const doc = rustdocJson(triple);
    return [label, surfaceOf(doc), doc.format_version];
  });
  const header = [
    `# The public API of ${PACKAGE} (library \`${LIBRARY}\`): one line per public item, sorted.`,
    `# Generated by \`${UPDATE}\` from rustdoc's JSON (${TARGETS.map((t) => t.label).join(" and ")}); do not edit.`,
    `# A change here needs an entry in ${CHANGELOG} (CI checks both).`,
  ];
  return `${[...header, ...mergeTargets(perTarget.map(([l, s]) => [l, s]))].join("\n")}\n`;
}

// ---------------------------------------------------------------------------
// The changelog rule, judged per landing on the branch (each first-parent
// commit since the last release tag v<semver>, or since the first commit: a
// merge counts as one, with everything it brought in): a landing that changed
// the surface file also changed CHANGELOG.md. Exceptions, in commit messages:
// `Changelog: none` (a change of the listing's format, not of the API), and
// `Changelog-for: <commit>` in a later landing that changed CHANGELOG.md (an
// entry added after the fact).

const git = (args, cwd) => execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 << 20 }).trim();

/** The landings since the last release tag (or all) that changed `surface` without `changelog`. */
export function commitsMissingChangelog(cwd, surface = SURFACE, changelog = CHANGELOG) {
  let base = "";
  try {
    base = git(["describe", "--tags", "--abbrev=0", "--match", "v[0-9]*", "HEAD"], cwd);
  } catch {
    base = ""; // no release yet: the whole history
  }
  const landings = git(["rev-list", "--first-parent", base ? `${base}..HEAD` : "HEAD"], cwd).split("\n").filter(Boolean);
  const changedIn = (commit) => {
    const parent = git(["rev-list", "--parents", "-n", "1", commit], cwd).split(" ")[1];
    const args = parent ? ["diff", "--name-only", parent, commit] : ["show", "--format=", "--name-only", commit];
    return git(args, cwd).split("\n");
  };
  const offenders = [];
  const coveredLater = [];
  for (const commit of landings) {
    const changed = changedIn(commit);
    const message = git(["log", "-1", "--format=%B", commit], cwd);
    if (changed.includes(changelog)) {
      for (const m of message.matchAll(/^Changelog-for: ([0-9a-f]{7,40})\b/gm)) coveredLater.push(m[1]);
      continue;
    }
    if (!changed.includes(surface) || /^Changelog: none\b/m.test(message)) continue;
    offenders.push(commit);
  }
  const missing = offenders
    .filter((commit) => !coveredLater.some((prefix) => commit.startsWith(prefix)))
    .map((commit) => `${commit.slice(0, 12)} ${git(["log", "-1", "--format=%s", commit], cwd).slice(0, 80)}`);
  // Uncommitted: the surface file differs from HEAD while CHANGELOG.md does not.
  const dirty = (path) => git(["status", "--porcelain", "--", path], cwd) !== "";
  if (dirty(surface) && !dirty(changelog)) missing.push(`(uncommitted changes to ${surface})`);
  return { base: base || null, missing };
}

function lineDiff(before, after) {
  const a = new Set(before.split("\n"));
  const b = new Set(after.split("\n"));
  return [...[...a].filter((l) => !b.has(l)).map((l) => `- ${l}`), ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l}`)];
}

function main() {
  const check = process.argv.includes("--check");
  const file = join(ROOT, SURFACE);
  const fresh = generate();
  if (!check) {
    writeFileSync(file, fresh);
    console.log(`wrote ${SURFACE} (${fresh.split("\n").length - 1} lines)`);
    return;
  }
  let committed = "";
  try {
    committed = readFileSync(file, "utf8");
  } catch {
    committed = "";
  }
  let failed = false;
  if (committed !== fresh) {
    const diff = lineDiff(committed, fresh);
    console.error(`The SDK's public API changed: ${SURFACE} is out of date (${diff.length} lines):`);
    for (const l of diff.slice(0, 60)) console.error(`  ${l}`);
    if (diff.length > 60) console.error(`  ... and ${diff.length - 60} more`);
    console.error(`Run \`${UPDATE}\` to update it, and add an entry to ${CHANGELOG} (under "Unreleased": what changed and what to write instead).`);
    failed = true;
  }
  const { base, missing } = commitsMissingChangelog(ROOT);
  if (missing.length) {
    console.error(`Commits since ${base ?? "the first commit"} changed ${SURFACE} without changing ${CHANGELOG}:`);
    for (const m of missing) console.error(`  ${m}`);
    console.error(`Add the entry to ${CHANGELOG} in the same commit (or merge). For commits already landed: a commit that adds the entry and says \`Changelog-for: <commit>\` in its message. A change of the listing's format alone: \`Changelog: none\` in the commit message.`);
    failed = true;
  }
  if (failed) process.exit(1);
  console.log(`${SURFACE} is up to date (${fresh.split("\n").length - 1} lines); every change to it since ${base ?? "the first commit"} has a ${CHANGELOG} entry`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main();
