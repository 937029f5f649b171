#!/usr/bin/env python3
"""Shell blocks of the documentation, run as written (issue 12).

Every fenced shell block (```sh, ```bash, ```shell, ```console) in README.md, docs/*.md and
protocols/**/*.md is one of:

* illustrative: its info string says so (```sh illustrative); never run;
* named: the line before the fence is `<!-- block: NAME -->`; a script extracts it with
  `doc-blocks.py extract DOC NAME` and runs it too (the walkthroughs, inside the set-up they
  need); `check` verifies some script under scripts/ extracts it. With
  `<!-- block: NAME, script-only -->` only that script runs it (it needs the script's set-up);
* plain: `run` executes it, exactly as written, with the document's other plain and named
  blocks in one bash session from the repository root (variables carry over, as in one
  terminal), in its own process group that is killed when the document ends.

A document may start its session with the blocks of another: `<!-- doc-blocks: after
docs/coordinator.md -->` anywhere in it (the miner's page needs the coordinator the
coordinator's page starts).

Usage:
  doc-blocks.py extract DOC NAME     print the named block of DOC
  doc-blocks.py check                every shell block is illustrative, named (and extracted), or plain
  doc-blocks.py run [DOC...]         run the plain blocks (all documents by default); with
                                     DOC_BLOCKS_LOGS=DIR each page's output also goes to
                                     DIR/<page path with / as _>.log; CI only:
                                     removes ./data first (the docs write under it), so it refuses
                                     without CI=true or DOC_BLOCKS_MAY_DELETE_DATA=1
Exit status: 0 when everything holds, 1 otherwise (a summary says which).
"""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import threading
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SHELLS = {"sh", "bash", "shell", "console"}
NAME_MARK = re.compile(r"^<!--\s*block:\s*([A-Za-z0-9_.-]+)\s*(,\s*script-only\s*)?-->\s*$")
AFTER_MARK = re.compile(r"<!--\s*doc-blocks:\s*after\s+([A-Za-z0-9_./-]+)\s*-->")
DOC_TIMEOUT_S = 900
GROUP_DRAIN_S = 40


def documents():
    found = [ROOT / "README.md"]
    for folder in ("docs", "protocols"):
        found += sorted((ROOT / folder).rglob("*.md"))
    return found


def blocks(path):
    """(kind, name, line, text) of every shell block: kind is illustrative, named, script-only
    (named, run by its script alone) or plain."""
    lines = path.read_text(encoding="utf-8").split("\n")
    result = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            info = line[3:].strip().split()
            start = index
            index += 1
            body = []
            while index < len(lines) and not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            if info and info[0] in SHELLS:
                previous = lines[start - 1] if start > 0 else ""
                mark = NAME_MARK.match(previous)
                if "illustrative" in info[1:]:
                    kind, name = "illustrative", None
                elif mark:
                    kind, name = ("script-only" if mark.group(2) else "named"), mark.group(1)
                else:
                    kind, name = "plain", None
                result.append((kind, name, start + 1, "\n".join(body)))
        index += 1
    return result


def extract(doc, name):
    for kind, block_name, _, text in blocks(ROOT / doc):
        if kind in ("named", "script-only") and block_name == name:
            print(text)
            return 0
    print(f"doc-blocks: no block named {name} in {doc}", file=sys.stderr)
    return 1


def check():
    scripts = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in (ROOT / "scripts").glob("*.sh"))
    problems = []
    counts = {"illustrative": 0, "named": 0, "script-only": 0, "plain": 0}
    for doc in documents():
        relative = doc.relative_to(ROOT)
        for kind, name, line, _ in blocks(doc):
            counts[kind] += 1
            if kind in ("named", "script-only") and not re.search(rf"doc-blocks\.py\"? extract {re.escape(str(relative))} {re.escape(name)}\b", scripts):
                problems.append(f"{relative}:{line}: block {name} is extracted by no script under scripts/")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"doc blocks: {counts['plain'] + counts['named']} run as written in their page's session "
          f"({counts['named']} of them also by a script), {counts['script-only']} by a script only, "
          f"{counts['illustrative']} illustrative; {len(problems)} problems")
    return 1 if problems else 0


def session(doc, seen=()):
    """The blocks a document's session runs: those of the documents it comes after, then its own."""
    if doc in seen:
        raise SystemExit(f"doc-blocks: {doc.relative_to(ROOT)} comes after itself")
    before = []
    for match in AFTER_MARK.finditer(doc.read_text(encoding="utf-8")):
        before += session(ROOT / match.group(1), seen + (doc,))
    own = [(doc.relative_to(ROOT), line, text) for kind, _, line, text in blocks(doc) if kind in ("plain", "named")]
    return before + own


def run_document(doc):
    own = [1 for kind, _, _, _ in blocks(doc) if kind in ("plain", "named")]
    if not own:
        return True
    relative = doc.relative_to(ROOT)
    plain = session(doc)
    shutil.rmtree(ROOT / "data", ignore_errors=True)
    script = ["set -euo pipefail"]
    for source, line, text in plain:
        script.append(f"echo '--- {source}:{line}' >&2")
        script.append(text)
    started = time.monotonic()
    logs = os.environ.get("DOC_BLOCKS_LOGS")
    log = open(pathlib.Path(logs) / (str(relative).replace("/", "_") + ".log"), "wb") if logs else None
    # The page's output goes to the terminal and, with DOC_BLOCKS_LOGS, to its log, copied here
    # (not by a tee inside the session, which the group kill could end before its last lines).
    process = subprocess.Popen(
        ["bash", "-c", "\n".join(script)], cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    copier = threading.Thread(target=copy_output, args=(process.stdout, log), daemon=True)
    copier.start()
    try:
        status = process.wait(timeout=DOC_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        status = None
    finally:
        stop_group(process.pid)
        process.wait()
        # Services a page started with & may have kept the pipe: they are gone now.
        copier.join(timeout=10)
        if log:
            log.close()
    elapsed = time.monotonic() - started
    ok = status == 0
    verdict = "ok" if ok else ("timed out" if status is None else f"failed (exit {status})")
    print(f"doc blocks: {relative}: {len(plain)} blocks {verdict} in {elapsed:.0f} s", flush=True)
    return ok


def copy_output(stream, log):
    for chunk in iter(lambda: stream.read1(65536), b""):
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        if log:
            log.write(chunk)


def stop_group(pgid):
    """Ends whatever a page left running (a coordinator or miner started with &): SIGTERM, then
    up to GROUP_DRAIN_S for drains to finish (the miner's drain_timeout_s is 30), then SIGKILL."""
    try:
        os.killpg(pgid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + GROUP_DRAIN_S
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run(names):
    if os.environ.get("CI") != "true" and os.environ.get("DOC_BLOCKS_MAY_DELETE_DATA") != "1":
        print("doc-blocks: run deletes ./data before each document; set CI=true or DOC_BLOCKS_MAY_DELETE_DATA=1",
              file=sys.stderr)
        return 2
    docs = [ROOT / name for name in names] if names else documents()
    failed = [str(doc.relative_to(ROOT)) for doc in docs if not run_document(doc)]
    print(f"doc blocks: {len(docs) - len(failed)} documents passed, {len(failed)} failed {failed if failed else ''}")
    return 1 if failed else 0


def main(argv):
    if len(argv) >= 1 and argv[0] == "extract" and len(argv) == 3:
        return extract(argv[1], argv[2])
    if argv == ["check"]:
        return check()
    if len(argv) >= 1 and argv[0] == "run":
        return run(argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
