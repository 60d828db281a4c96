#!/usr/bin/env python3
"""check_html.py PAGE DB [expectations] - check an ldfi HTML report.

Generic checks, for any page: the page parses as XML (XHTML) and so does
every <svg> taken out of it alone; nothing is fetched (no script, link,
img, src or url(), no http URL but the XML namespaces); the runs table lists
the runs of DB in order with their fault sets and results; in every
spacetime diagram (figure.run, data-run = runs.id) there is one lifeline per
node, one element of class "msg" per row of `messages` of that run, each
with the run's sender, receiver, round, record and fate, lost ones classed
"lost" with the fault that lost them (messages.lost_by), acks "ack", and
one crash marker per crash fault of the run. Expectations (options) add
what a known scenario must show.
"""
import argparse
import re
import sqlite3
import sys
import xml.etree.ElementTree as ET

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


def classes(e):
    return (e.get("class") or "").split()


def text(e):
    return "".join(e.itertext())


def fail(msg):
    print(f"check_html: {msg}", file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def standalone_svgs(raw):
    svgs = re.findall(r"<svg\b.*?</svg>", raw, re.S)
    for s in svgs:
        try:
            ET.fromstring(s)
        except ET.ParseError as e:
            fail(f"an SVG does not parse alone: {e}: {s[:200]}")
    return len(svgs)


def self_contained(raw, root):
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        check(not root.findall(f".//{XHTML}{tag}"), f"page has a <{tag}>")
    for e in root.iter():
        check("src" not in e.attrib, f"<{e.tag}> has a src attribute")
        href = e.get("href")
        check(href is None or href.startswith("#"), f"link out of the page: {href}")
    urls = set(re.findall(r"https?://[^\s\"'<>]+", raw))
    urls -= {"http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg"}
    check(not urls, f"page names URLs: {urls}")
    check("url(" not in raw, "page uses url()")
    css = root.find(f".//{XHTML}style").text
    check(re.search(r"\.msg\.lost \.line[^{]*\{[^}]*stroke-dasharray", css),
          "lost messages are not drawn dashed")


def runs_table(root, db):
    table = [t for t in root.iter(f"{XHTML}table") if "runs" in classes(t)]
    check(len(table) == 1, "no runs table")
    rows = table[0].findall(f"{XHTML}tr")[1:]
    runs = db.execute("SELECT id, faults, passed FROM runs ORDER BY id").fetchall()
    check(len(rows) == len(runs), f"runs table: {len(rows)} rows, {len(runs)} runs")
    for i, (row, (rid, faults, passed)) in enumerate(zip(rows, runs)):
        cells = [text(td) for td in row.findall(f"{XHTML}td")]
        want = [str(i + 1), str(rid), faults, "pass" if passed else "fail"]
        check(cells[:4] == want, f"runs table row {i + 1}: {cells[:4]} != {want}")
    return runs


def check_msgs(fig, run, db):
    msgs = [g for g in fig.iter(f"{SVG}g") if "msg" in classes(g)]
    rows = db.execute(
        "SELECT id, kind, src_node, dst_node, send_round, fate, lost_by, record "
        "FROM messages WHERE run = ? ORDER BY id", (run,)).fetchall()
    check(len(msgs) == len(rows),
          f"run {run}: {len(msgs)} msg elements, {len(rows)} messages in the database")
    for g, (mid, kind, src, dst, rnd, fate, lost_by, rec) in zip(msgs, rows):
        got = (g.get("data-id"), g.get("data-from"), g.get("data-to"), g.get("data-round"),
               g.get("data-fate"), g.get("data-record"), g.get("data-fault"))
        want = (str(mid), src, dst, str(rnd), fate, rec, lost_by)
        check(got == want, f"run {run}: message {got} != {want}")
        c = classes(g)
        check(("ack" in c) == (kind == "ack"), f"run {run}: message {mid} ack class {c}")
        check(("lost" in c) == (fate in ("omitted", "crashed")),
              f"run {run}: message {mid} lost class {c}")
        check(("eot" in c) == (fate == "eot"), f"run {run}: message {mid} eot class {c}")
        check(g.find(f"{SVG}title") is not None, f"run {run}: message {mid} has no title")
        if "lost" in c:
            check(g.findall(f".//{SVG}path[@class='xmark']"),
                  f"run {run}: lost message {mid} has no X")
    labels = {text(t) for t in fig.iter(f"{SVG}text") if "fault" in classes(t)}
    lost = {r[6] for r in rows if r[6]}
    check(labels == lost, f"run {run}: fault labels {labels} != {lost}")
    return len(rows)


def check_figure(fig, db, nodes):
    run = int(fig.get("data-run"))
    svg = fig.find(f"{SVG}svg")
    check(svg is not None and "spacetime" in classes(svg), f"run {run}: no spacetime SVG")
    lifelines = [g.get("data-node") for g in svg.iter(f"{SVG}g") if "lifeline" in classes(g)]
    if nodes:
        check(lifelines == nodes, f"run {run}: lifelines {lifelines} != {nodes}")
    n = check_msgs(svg, run, db)
    check(fig.get("data-messages") == str(n), f"run {run}: data-messages")
    faults = db.execute("SELECT faults FROM runs WHERE id = ?", (run,)).fetchone()[0]
    crashes = sorted(re.findall(r"crash\([^)]*\)", faults))
    marks = sorted(g.get("data-fault") for g in svg.iter(f"{SVG}g") if "crash" in classes(g))
    check(marks == crashes, f"run {run}: crash markers {marks} != {crashes}")
    for m in marks:
        check(any(text(t) == m for t in svg.iter(f"{SVG}text")),
              f"run {run}: crash marker without its text {m}")
    return run


def lineage(root, args):
    sections = [s for s in root.iter(f"{XHTML}section") if "counterexample" in classes(s)]
    check(len(sections) >= 1, "no counterexample section")
    sec = sections[0]
    graphs = [s for s in sec.iter(f"{SVG}svg") if "lineage" in classes(s)]
    check(graphs, "no lineage graph")
    g = graphs[0]
    events = [e for e in g.iter(f"{SVG}g") if "event" in classes(e)]
    outs = [e for e in g.iter(f"{SVG}g") if "outcome" in classes(e)]
    check(len(outs) == 1, f"{len(outs)} outcome nodes")
    got = f"{outs[0].get('data-replica')}:{outs[0].get('data-record')}"
    check(got == args.outcome, f"outcome {got} != {args.outcome}")
    cut = sorted(e.get("data-fault") for e in events if "cut" in classes(e))
    check(cut == sorted(args.cut), f"cut events {cut} != {sorted(args.cut)}")
    if args.events is not None:
        check(len(events) == args.events, f"{len(events)} lineage events, not {args.events}")
    edges = [p for p in g.iter(f"{SVG}path") if "edge" in classes(p)]
    check(len(edges) >= len(events), f"{len(edges)} edges for {len(events)} events")
    whys = [text(p) for p in sec.iter(f"{XHTML}p") if "why" in classes(p)]
    if args.why:
        check(args.why in whys, f"why sentences {whys} lack {args.why!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("db")
    ap.add_argument("--verdict")
    ap.add_argument("--nodes", help="comma-separated: the lifelines, in order")
    ap.add_argument("--figures", type=int, help="spacetime diagrams expected")
    ap.add_argument("--outcome", help="REPLICA:RECORD of the first lineage graph")
    ap.add_argument("--cut", action="append", default=[], help="a fault cutting an event")
    ap.add_argument("--events", type=int, help="events of the first lineage graph")
    ap.add_argument("--why", help="the why-not sentence")
    ap.add_argument("--note", help="text the page must contain")
    args = ap.parse_args()

    raw = open(args.page, encoding="utf-8").read()
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as e:
        fail(f"{args.page} does not parse as XML: {e}")
    check(root.tag == f"{XHTML}html", f"root element {root.tag}")
    n_svg = standalone_svgs(raw)
    check(n_svg == len(list(root.iter(f"{SVG}svg"))), "SVG count differs")
    self_contained(raw, root)
    db = sqlite3.connect(args.db)
    runs_table(root, db)
    nodes = args.nodes.split(",") if args.nodes else None
    figs = [f for f in root.iter(f"{XHTML}figure") if "run" in classes(f)]
    drawn = [check_figure(f, db, nodes) for f in figs]
    check(len(set(drawn)) == len(drawn), "a run is drawn twice")
    if args.figures is not None:
        check(len(figs) == args.figures, f"{len(figs)} spacetime diagrams, not {args.figures}")
    if args.verdict:
        v = [p for p in root.iter(f"{XHTML}p") if "verdict" in classes(p)]
        check(v and args.verdict in classes(v[0]), f"verdict is not {args.verdict}")
    if args.outcome:
        lineage(root, args)
    if args.note:
        check(args.note in " ".join(text(root).split()), f"page lacks {args.note!r}")
    print(f"check_html: {args.page}: ok ({len(figs)} diagrams, {n_svg} SVGs)")


if __name__ == "__main__":
    main()
