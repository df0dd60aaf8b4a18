#!/usr/bin/env python3
"""Counts import circles between the files of each Rust crate, and files over the size limit.

A file's imports are the `crate::NAME` and `super::NAME` paths in its code, also in braces
(`crate::{a, b}`, `super::{a, b::{c, d}}`); a `#[cfg(test)]` module at the end of a file is left
out: unit tests may reach anywhere. NAME is mapped to the file that defines that
top-level module (`src/NAME.rs` or `src/NAME/mod.rs`; `crate::a::b` inside `src/a/` maps to
`src/a/b.rs`). A circle is a strongly connected group of two or more files. A registry's `mod.rs`
that lists its own members is not an import.

    scripts/check-layers.py [--max-lines N] [--strict | --at-most N] [DIR ...]

Prints each circle and each long file; with --strict exits 1 when there is any, with --at-most N
when there are more than N (scripts/test.sh runs it so, with today's count: it may only go down). Default DIRs: every
`crates/*/src` and `src-tauri/src`; default --max-lines 600 (also checks `ui/**/*.js`).
"""
import argparse
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def strip_tests(text):
    m = re.search(r"^#\[cfg\(test\)\]\s*\n\s*mod\s+\w+\s*\{", text, re.M)
    return text[: m.start()] if m else text


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def module_files(src):
    """Maps module paths (tuples) to files."""
    mods = {}
    for f in src.rglob("*.rs"):
        rel = f.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "mod":
            parts = parts[:-1]
        if parts in (["lib"], ["main"]):
            parts = []
        mods[tuple(parts)] = f
    return mods


def resolve(mods, path):
    for n in range(len(path), 0, -1):
        if tuple(path[:n]) in mods:
            return mods[tuple(path[:n])]
    return None


def imports(mods, f, mod_path):
    text = strip_comments(strip_tests(f.read_text()))
    out = set()
    # crate::a::b, crate::{a, b::c}
    for m in re.finditer(r"\bcrate::((?:\w+::)*\w+|\{[^}]*\})", text):
        body = m.group(1)
        heads = [p.strip() for p in body.strip("{}").split(",")] if body.startswith("{") else [body]
        for h in heads:
            parts = [p for p in re.split(r"::", h) if p and re.match(r"^\w+$", p)]
            t = resolve(mods, parts)
            if t and t != f:
                out.add(t)
    # super::a::b, super::{a, b::{c, d}}
    for m in re.finditer(r"\bsuper::", text):
        parent = list(mod_path[:-1])
        for path in use_paths(text, m.end()):
            t = resolve(mods, parent + path)
            if t and t != f:
                out.add(t)
    return out


def use_paths(text, i):
    """The paths of the use tree (or plain path) starting at text[i]: `a::b` gives [[a, b]],
    `{a, b::{c, self}}` gives [[a], [b, c], [b]]; `*` and `self` end a path where they stand."""
    def tree(i, prefix):
        paths = []
        while True:
            m = re.compile(r"\s*(\w+)\s*").match(text, i)
            if m:
                i = m.end()
                name = m.group(1)
                if name == "self":
                    return [prefix], i
                if text.startswith("::", i):
                    i += 2
                    prefix = prefix + [name]
                    continue
                return [prefix + [name]], i
            m = re.compile(r"\s*\{").match(text, i)
            if not m:
                return ([prefix] if prefix else []), i
            i = m.end()
            while True:
                sub, i = tree(i, prefix)
                paths += sub
                m = re.compile(r"\s*([,}])").match(text, i)
                if not m:
                    return paths, i
                i = m.end()
                if m.group(1) == "}":
                    return paths, i
                if re.compile(r"\s*\}").match(text, i):
                    return paths, re.compile(r"\s*\}").match(text, i).end()

    return [p for p in tree(i, [])[0] if p]


def sccs(graph):
    index, low, stack, on, res, i = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = i[0]
        i[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            res.append(comp)

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return [c for c in res if len(c) > 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-lines", type=int, default=600)
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--at-most", type=int, default=None)
    ap.add_argument("dirs", nargs="*")
    a = ap.parse_args()
    dirs = [pathlib.Path(d).resolve() for d in a.dirs] or sorted(ROOT.glob("crates/*/src")) + [ROOT / "src-tauri/src"]
    problems = 0
    for src in dirs:
        mods = module_files(src)
        rev = {f: p for p, f in mods.items()}
        graph = {}
        for f, p in rev.items():
            deps = imports(mods, f, p)
            # a parent module file listing its own members is not an import
            graph[f] = {d for d in deps if not (rev[d][: len(p)] == p and f.name == "mod.rs")}
        for comp in sccs(graph):
            problems += 1
            names = sorted(str(c.relative_to(ROOT)) for c in comp)
            print(f"circle ({len(names)} files): {' '.join(names)}")
    long_files = [f for d in dirs for f in d.rglob("*.rs")] + list((ROOT / "ui").glob("**/*.js"))
    for f in sorted(long_files):
        if "node_modules" in f.parts or "tests" in f.parts:
            continue
        text = f.read_text()
        n = len(strip_tests(text).splitlines()) if f.suffix == ".rs" else len(text.splitlines())
        if n > a.max_lines:
            problems += 1
            print(f"long file ({n} lines > {a.max_lines}): {f.relative_to(ROOT)}")
    print(f"{problems} problem(s)")
    if a.at_most is not None and problems > a.at_most:
        print(f"check-layers: {problems} problems, more than the {a.at_most} allowed: a new circle or long file", file=sys.stderr)
        return 1
    return 1 if (a.strict and problems) else 0


if __name__ == "__main__":
    sys.exit(main())
