#!/usr/bin/env python3
"""
The layer check: reads the compiled objects of a build (nm, so comments,
macros and inline declarations cannot fool it), builds each directory's
file-to-file graph (file A -> file B when A uses a symbol that B defines),
and fails on

  - a cycle between files of one directory (A needs B and B needs A, even
    through others),
  - an edge from a file to a file of a higher layer (tests/layers/layers.conf
    lists the layers, bottom first, once),
  - an edge from one daemon's files into another daemon's files, or from
    lib/ into a daemon,
  - a daemon that compiles another daemon's source (automake puts an
    object of wgd/x.c built for zebra-lite's library in build/wgd/ with a
    zebra_lite_ prefix),
  - a file of a daemon that layers.conf does not place in a layer.

Upward news travels through hooks (function pointers registered at
start-up), which nm does not see as an edge: that is the point.

Usage: check_layers.py BUILDDIR [--conf FILE] [--graph] [--dirs D,D,...]
--dirs judges only the files of those directories (the whole tree is
still read, so a foreign compile or an edge out of them is seen); tests/run
lists the directories whose floors are done.
Exit 0 when the tree keeps its floors, 1 with one line per violation.
"""
import argparse
import os
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
# Directories that are shared floors below every daemon.
SHARED = ("lib", "proto")


def read_conf(path):
    """layers.conf: "DIR LAYER: stem stem ..." lines, bottom layer first."""
    layers = defaultdict(dict)   # dir -> stem -> layer index
    names = defaultdict(list)    # dir -> [layer names]
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            head, _, stems = line.partition(":")
            d, layer = head.split()
            names[d].append(layer)
            for s in stems.split():
                if s in layers[d]:
                    sys.exit(f"layers.conf: {d}/{s} is in two layers")
                layers[d][s] = len(names[d]) - 1
    return layers, names


def canon(d):
    return d.replace("-", "_")


def objects(builddir, dirs):
    """dir -> {stem: path} of the objects built from that dir's sources,
    leaving out unit-test builds; and the objects compiled for another
    daemon's target."""
    objs, foreign = defaultdict(dict), []
    for d in dirs:
        top = os.path.join(builddir, d)
        if not os.path.isdir(top):
            continue
        for name in sorted(os.listdir(top)):
            if not name.endswith(".o") or name.startswith("tests_"):
                continue
            target, _, stem = name[:-2].rpartition("-")
            owner = next((o for o in dirs if target.startswith(canon(o) + "_")), d)
            if owner != d and d not in SHARED:
                foreign.append(f"{owner} compiles {d}/{stem}.c")
                continue
            path = os.path.join(top, name)
            # A build directory that changed its flags keeps the old
            # object beside the new one (vtysh.o, vtysh-vtysh.o): the newest
            # is the one the program links.
            old = objs[d].get(stem)
            if not old or os.path.getmtime(path) > os.path.getmtime(old):
                objs[d][stem] = path
    return objs, foreign


def nm(path, defined):
    args = ["nm", "-g", "--defined-only" if defined else "-u", path]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return {l.split()[-1] for l in out.splitlines() if l.strip()}


def edges(objs):
    """(dir, stem) -> set of (dir, stem) it uses."""
    owner = {}
    for d, files in objs.items():
        for stem, path in files.items():
            for sym in nm(path, True):
                owner.setdefault(sym, (d, stem))
    graph = defaultdict(set)
    for d, files in objs.items():
        for stem, path in files.items():
            for sym in nm(path, False):
                dst = owner.get(sym)
                if dst and dst != (d, stem):
                    graph[(d, stem)].add(dst)
    return graph


def cycles(graph, nodes):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in nodes:
                continue
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
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def violations(graph, objs, layers, names):
    bad = []
    for d, files in sorted(objs.items()):
        for stem in sorted(files):
            if d not in SHARED and stem not in layers.get(d, {}):
                bad.append(f"{d}/{stem}: in no layer of layers.conf")
    for (d, s), dsts in sorted(graph.items()):
        for (d2, s2) in sorted(dsts):
            if d2 != d:
                if d2 not in SHARED or (d in SHARED and d2 not in SHARED):
                    bad.append(f"{d}/{s} -> {d2}/{s2}: reaches into another daemon")
                continue
            lv, lw = layers[d].get(s), layers[d].get(s2)
            if lv is not None and lw is not None and lw > lv:
                bad.append(f"{d}/{s} ({names[d][lv]}) -> {d}/{s2} ({names[d][lw]}): "
                           "calls a higher layer; send news up through a hook")
    for d in sorted(objs):
        nodes = {(d, s) for s in objs[d]}
        for comp in cycles(graph, nodes):
            bad.append(f"{d}: cycle " + " <-> ".join(s for _, s in comp))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("builddir")
    ap.add_argument("--conf", default=os.path.join(HERE, "layers.conf"))
    ap.add_argument("--graph", action="store_true", help="print every edge")
    ap.add_argument("--dirs", help="judge only these directories (comma-separated)")
    a = ap.parse_args()
    layers, names = read_conf(a.conf)
    dirs = sorted(set(names) | set(SHARED))
    objs, foreign = objects(a.builddir, dirs)
    graph = edges(objs)
    if a.graph:
        for (d, s), dsts in sorted(graph.items()):
            print(f"{d}/{s} -> " + " ".join(f"{d2}/{s2}" for d2, s2 in sorted(dsts)))
    bad = foreign + violations(graph, objs, layers, names)
    if a.dirs:
        keep = tuple(d + "/" for d in a.dirs.split(","))
        bad = [b for b in bad if b.startswith(keep) or
               any(f"{d}: " in b or f" {d}/" in b for d in a.dirs.split(","))]
    for b in bad:
        print(b)
    nfiles = sum(len(f) for f in objs.values())
    print(f"layers: {nfiles} files in {len(objs)} directories, {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
