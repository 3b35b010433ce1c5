// Tests of scripts/public-api.mjs: the changelog rule on small git histories,
// and the listing on a small rustdoc JSON document.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";

import { commitsMissingChangelog, mergeTargets, surfaceOf } from "./public-api.mjs";

const dirs = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fresh repository with helpers to write files and commit. */
function repo() {
  const dir = mkdtempSync(join(tmpdir(), "public-api-test-"));
  dirs.push(dir);
  const env = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" };
  const git = (...args) => execFileSync("git", args, { cwd: dir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  git("init", "-q", "-b", "main");
  execFileSync("mkdir", ["-p", join(dir, "sdk")]);
  let n = 0;
  const commit = (files, message = `change ${++n}`) => {
    for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
    git("add", "-A");
    git("commit", "-q", "-m", message);
    return git("rev-parse", "HEAD");
  };
  const missing = () => commitsMissingChangelog(dir).missing;
  return { dir, git, commit, missing };
}

describe("the changelog rule", () => {
  test("a commit changing the surface without CHANGELOG.md is named; with it, nothing is", () => {
    const r = repo();
    r.commit({ "sdk/public-api.txt": "fn a()\n", "CHANGELOG.md": "# Changelog\n" });
    assert.deepEqual(r.missing(), []);
    const bad = r.commit({ "sdk/public-api.txt": "fn a()\nfn b()\n" }, "adds b");
    assert.deepEqual(r.missing(), [`${bad.slice(0, 12)} adds b`]);
    r.commit({ "sdk/public-api.txt": "fn a()\nfn b()\nfn c()\n", "CHANGELOG.md": "# Changelog\n- c\n" });
    assert.equal(r.missing().length, 1, "a later entry does not excuse the earlier commit by itself");
  });

  test("a merge is one change: the branch's entry may come in a later commit of the branch", () => {
    const r = repo();
    r.commit({ "sdk/public-api.txt": "fn a()\n", "CHANGELOG.md": "# Changelog\n", "other": "1" });
    r.git("checkout", "-q", "-b", "topic");
    r.commit({ "sdk/public-api.txt": "fn a()\nfn b()\n" });
    r.commit({ "CHANGELOG.md": "# Changelog\n- b\n" });
    r.git("checkout", "-q", "main");
    r.commit({ other: "2" });
    r.git("merge", "-q", "--no-ff", "-m", "Merge topic", "topic");
    assert.deepEqual(r.missing(), []);
  });

  test("a merge that brings a surface change without an entry is named", () => {
    const r = repo();
    r.commit({ "sdk/public-api.txt": "fn a()\n", "CHANGELOG.md": "# Changelog\n", "other": "1" });
    r.git("checkout", "-q", "-b", "topic");
    r.commit({ "sdk/public-api.txt": "fn a()\nfn b()\n" });
    r.git("checkout", "-q", "main");
    r.commit({ other: "2" });
    r.git("merge", "-q", "--no-ff", "-m", "Merge topic", "topic");
    assert.match(r.missing().join("\n"), /Merge topic/);
  });

  test("`Changelog: none`, `Changelog-for:` and a release tag excuse a commit", () => {
    const r = repo();
    r.commit({ "sdk/public-api.txt": "fn a()\n", "CHANGELOG.md": "# Changelog\n" });
    r.commit({ "sdk/public-api.txt": "fn a() \n" }, "listing format\n\nChangelog: none");
    assert.deepEqual(r.missing(), []);
    const late = r.commit({ "sdk/public-api.txt": "fn a()\nfn b()\n" }, "adds b");
    assert.equal(r.missing().length, 1);
    r.commit({ "CHANGELOG.md": "# Changelog\n- b\n" }, `changelog: b\n\nChangelog-for: ${late.slice(0, 10)}`);
    assert.deepEqual(r.missing(), []);
    r.commit({ "sdk/public-api.txt": "fn a()\nfn b()\nfn c()\n" }, "adds c");
    assert.equal(r.missing().length, 1);
    r.git("tag", "v0.1.0");
    assert.deepEqual(r.missing(), [], "commits before the last release tag are not judged again");
    r.commit({ "sdk/public-api.txt": "fn a()\n" }, "removes b and c");
    assert.deepEqual(r.missing().length, 1);
  });

  test("an uncommitted change to the surface needs an uncommitted change to CHANGELOG.md", () => {
    const r = repo();
    r.commit({ "sdk/public-api.txt": "fn a()\n", "CHANGELOG.md": "# Changelog\n" });
    writeFileSync(join(r.dir, "sdk/public-api.txt"), "fn a()\nfn b()\n");
    assert.deepEqual(r.missing(), ["(uncommitted changes to sdk/public-api.txt)"]);
    writeFileSync(join(r.dir, "CHANGELOG.md"), "# Changelog\n- b\n");
    assert.deepEqual(r.missing(), []);
  });
});

describe("the listing", () => {
  // A crate `durable` with a private module `inner` defining `pub fn f(x: &str) -> Option<u32>`
  // and `pub struct S { pub a: u8, b: u8 }`, re-exported at the root; `S` also in `prelude`.
  const doc = {
    root: 0,
    format_version: 57,
    paths: { 9: { crate_id: 1, path: ["core", "option", "Option"], kind: "enum" }, 8: { crate_id: 2, path: ["worker", "request", "Request"], kind: "struct" } },
    index: {
      0: { crate_id: 0, name: "durable", inner: { module: { items: [1, 2, 3, 7] } } },
      1: { crate_id: 0, name: null, inner: { use: { source: "inner::f", name: "f", id: 4, is_glob: false } } },
      2: { crate_id: 0, name: null, inner: { use: { source: "inner::S", name: "S", id: 5, is_glob: false } } },
      3: { crate_id: 0, name: "prelude", inner: { module: { items: [6] } } },
      6: { crate_id: 0, name: null, inner: { use: { source: "crate::S", name: "S", id: 5, is_glob: false } } },
      7: { crate_id: 0, name: null, inner: { use: { source: "worker::Request", name: "Request", id: 8, is_glob: false } } },
      4: {
        crate_id: 0,
        name: "f",
        visibility: "public",
        inner: {
          function: {
            sig: { inputs: [["x", { borrowed_ref: { lifetime: null, is_mutable: false, type: { primitive: "str" } } }]], output: { resolved_path: { path: "Option", id: 9, args: { angle_bracketed: { args: [{ type: { primitive: "u32" } }], constraints: [] } } } }, is_c_variadic: false },
            generics: { params: [], where_predicates: [] },
            header: { is_const: false, is_unsafe: false, is_async: false, abi: "Rust" },
            has_body: true,
          },
        },
      },
      5: { crate_id: 0, name: "S", visibility: "public", attrs: [], inner: { struct: { kind: { plain: { fields: [10], has_stripped_fields: true } }, generics: { params: [], where_predicates: [] }, impls: [] } } },
      10: { crate_id: 0, name: "a", visibility: "public", inner: { struct_field: { primitive: "u8" } } },
    },
  };

  test("items at their public paths, never the private module they are defined in", () => {
    assert.deepEqual(surfaceOf(doc), [
      "field durable::S::a: u8",
      "fn durable::f(x: &str) -> Option<u32>",
      "mod durable",
      "mod durable::prelude",
      "pub use durable::Request = worker::Request",
      "pub use durable::prelude::S = durable::S",
      "struct durable::S { /* private fields */ }",
    ]);
  });

  test("lines of one target only are marked", () => {
    assert.deepEqual(mergeTargets([["host", ["a", "b"]], ["wasm32", ["a", "c"]]]), ["a", "b [host only]", "c [wasm32 only]"]);
  });
});
