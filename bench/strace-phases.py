#!/usr/bin/env python3
"""Where one run's time goes, from `strace -f -tt` traces of it (bench/plugin.sh, PHASES).

  strace-phases.py mainline TRACE...   traces of plugin mode (sendto, recvfrom, execve,
                                       clone, clone3, exit_group; -s 200)
  strace-phases.py docker TRACE...     traces of `docker run --rm` (execve, write, read,
                                       exit_group; -s 200)

Prints the median, minimum and maximum of each phase over the traces, in ms. A phase
runs from one engine request (or process event) to the next, so the phases of a run
add up to its total.
"""
import re
import statistics
import sys


def events(path):
    out = []
    for line in open(path, errors="replace"):
        f = line.split(None, 2)
        if len(f) == 3 and re.match(r"\d+:\d+:\d+\.\d+$", f[1]):
            h, m, s = f[1].split(":")
            out.append((f[0], (int(h) * 3600 + int(m) * 60 + float(s)) * 1000, f[2]))
    return out


def first(ev, pattern, after=0.0):
    return next(t for _, t, s in ev if t >= after and re.search(pattern, s))


def mainline(ev):
    """Plugin mode: libcurl's sendto/recvfrom on the engine's socket, the fetch child."""
    start = first(ev, r'^execve\(".*/mainline"')
    end = [t for _, t, s in ev if s.startswith("exit_group")][-1]
    sent = lambda what, after=0.0: first(ev, r'^sendto\(\d+, "' + what, after)
    answer = lambda after: first(ev, r'HTTP/1\.1 \d{3} ', after)
    fork = first(ev, r"^clone\(")
    fetched = first(ev, r"^\+\+\+ exited", fork)
    open_ = sent("GET /_ping", fetched)
    create = sent(r"POST /v[0-9.]+/containers/create")
    upload = sent("PUT /")
    uploaded = answer(upload)
    start_ = sent(r"POST /v[0-9.]+/containers/[0-9a-f]+/start ")
    started = answer(start_)
    exited = first(ev, r"StatusCode", started)
    delete = sent("DELETE /")
    return [
        ("start-up, configuration, gate (to the first engine request)", sent("GET /_ping") - start),
        ("rollback state (engine), trust roots, cache lock, libgit2", fork - sent("GET /_ping")),
        ("fetch (the fetch child)", fetched - fork),
        ("verification", open_ - fetched),
        ("ping, own container, sweep, image inspect", create - open_),
        ("create", answer(create) - create),
        ("tar upload (PUT archive)", uploaded - upload),
        ("attach and wait established", start_ - uploaded),
        ("start", started - start_),
        ("pipeline runs and exits (wait)", exited - started),
        ("remove (DELETE)", answer(delete) - exited),
        ("audit line, exit", end - answer(delete)),
        ("total", end - start),
    ]


def docker(ev):
    """`docker run --rm`: the CLI's write/read, its wait for the autoremove."""
    start, end = ev[0][1], ev[-1][1]
    ping = first(ev, r'^write\(\d+, "HEAD /_ping')
    create = first(ev, r'^write\(\d+, "POST /v[0-9.]+/containers/create')
    created = first(ev, r"HTTP/1\.1 201", create)
    start_ = first(ev, r'^write\(\d+, "POST /v[0-9.]+/containers/[0-9a-f]+/start ')
    started = first(ev, r"HTTP/1\.1 204", start_)
    exited = first(ev, r"StatusCode", started)
    return [
        ("start-up (to the first engine request)", ping - start),
        ("ping", create - ping),
        ("create", created - create),
        ("attach and wait established", start_ - created),
        ("start", started - start_),
        ("pipeline runs, exits, is removed (wait)", exited - started),
        ("exit", end - exited),
        ("total", end - start),
    ]


def main():
    parse = {"mainline": mainline, "docker": docker}[sys.argv[1]]
    runs = [parse(events(p)) for p in sys.argv[2:]]
    print("%-62s %8s %8s %8s" % (sys.argv[1] + " (%d runs), ms" % len(runs), "median", "min", "max"))
    for i, (name, _) in enumerate(runs[0]):
        v = [r[i][1] for r in runs]
        print("%-62s %8.1f %8.1f %8.1f" % (name, statistics.median(v), min(v), max(v)))


if __name__ == "__main__":
    main()
