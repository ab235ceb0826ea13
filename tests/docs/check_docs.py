"""Keep the documentation true to the code.

1. Every C snippet of docs/guide.md and README.md and every EXAMPLES block of the
   section 3 man pages compiles (-Wall -Wextra -Werror) against
   include/cssl.h; snippets with a main() are linked against the library
   too. A guide block marked <!-- excerpt: examples/x.c --> must instead be
   a verbatim part of that example (which check_examples.sh runs).
   Python blocks must parse; shell blocks must pass `sh -n`.
2. The man pages render without a single warning: groff -ww, man -l at 80
   columns, and mandoc -Tlint when installed.
3. Every function declared in include/cssl.h appears, with exactly the
   header's prototype, in the SYNOPSIS of a section 3 page.
4. Every cssl_/CSSL_ name that the guide, README, FEATURES.md and the man
   pages mention exists in the header, and every cssl_*(3) cross-reference
   names a documented function.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ["CSSL_SOURCE_DIR"]
LIB = os.environ.get("CSSL_SHARED_LIB")
CC = os.environ.get("CC", "cc")
HEADER = os.path.join(SRC, "include", "cssl.h")
MAN = os.path.join(SRC, "docs", "man")
GUIDE = os.path.join(SRC, "docs", "guide.md")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


HEADER_TEXT = read(HEADER)
PROTOTYPES = {}
for m in re.finditer(r"^CSSL_API\s+(.*?\));", HEADER_TEXT, re.S | re.M):
    proto = re.sub(r"\s+", " ", m.group(1)).replace("( ", "(")
    PROTOTYPES[re.search(r"\b(cssl_\w+)\(", proto).group(1)] = proto
NAMES = set(re.findall(r"\b(?:cssl|CSSL)_\w+", HEADER_TEXT))
# Build and test names the docs may mention that are not API.
NOT_API = {"cssl_static", "cssl_cli", "CSSL_FIXTURES", "CSSL_CLI", "CSSL_SOURCE_DIR",
           "CSSL_BUILD_DIR", "CSSL_SHARED_LIB", "CSSL_WERROR", "CSSL_SANITIZE", "CSSL_TESTS",
           "CSSL_BUILDING"}

def linkable(lib):
    """A sanitizer build's library needs its compiler's runtime to link:
    check such snippets by compiling them only."""
    if not lib or shutil.which("nm") is None:
        return False
    r = subprocess.run(["nm", "-D", "--undefined-only", lib], capture_output=True, text=True)
    return r.returncode == 0 and "__asan_init" not in r.stdout and "__ubsan_" not in r.stdout


LINK = linkable(LIB)

PRELUDE = """#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cssl.h>
"""


def compile_c(code, name, tmp, prelude):
    src = os.path.join(tmp, re.sub(r"\W", "_", name) + ".c")
    with open(src, "w") as f:
        f.write((PRELUDE if prelude else "") + code)
    flags = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-function",
             "-Wno-unused-parameter", "-I", os.path.join(SRC, "include")]
    if re.search(r"\bint main\(", code) and LINK:
        cmd = [CC, *flags, "-o", src[:-2], src, LIB]
    else:
        cmd = [CC, *flags, "-c", "-o", src[:-2] + ".o", src]
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "%s does not compile:\n%s" % (name, r.stderr[-3000:]))


def check_python(code, name):
    try:
        compile(code, name, "exec")
    except SyntaxError as e:
        check(False, "%s: Python syntax error: %s" % (name, e))


def check_sh(code, name):
    r = subprocess.run(["sh", "-n"], input=code, capture_output=True, text=True)
    check(r.returncode == 0, "%s: sh -n: %s" % (name, r.stderr))


# ---------------------------------------------------------------- the guide

def guide_blocks(text):
    """(language, code, directive, line) for every fenced block."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i
        directive = None
        j = start - 1
        if j >= 0:
            d = re.match(r"^<!--\s*(\w+):\s*(.*?)\s*-->$", lines[j])
            if d:
                directive = (d.group(1), d.group(2))
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        yield lang, "\n".join(body) + "\n", directive, start + 1


def check_guide(tmp):
    if not check(os.path.exists(GUIDE), "docs/guide.md exists"):
        return
    counts = {}
    blocks = [("guide.md", b) for b in guide_blocks(read(GUIDE))]
    blocks += [("README.md", b) for b in guide_blocks(read(os.path.join(SRC, "README.md")))]
    for doc, (lang, code, directive, line) in blocks:
        name = "%s:%d" % (doc, line)
        counts[lang] = counts.get(lang, 0) + 1
        if directive and directive[0] == "excerpt":
            example = read(os.path.join(SRC, directive[1]))
            check(code.strip("\n") in example,
                  "%s is not a verbatim excerpt of %s" % (name, directive[1]))
            continue
        if directive and directive[0] == "nocompile":
            continue
        if lang == "c":
            compile_c(code, name, tmp, prelude=True)
        elif lang == "python":
            check_python(code, name)
        elif lang == "sh":
            check_sh(code, name)
    print("guide and README: %s" % ", ".join("%d %s" % (n, l or "plain") for l, n in sorted(counts.items())))


# -------------------------------------------------------------- man pages

def roff_unescape(text):
    for a, b in (("\\e", "\\"), ("\\-", "-"), ("\\(aq", "'"), ("\\(dq", '"'),
                 ("\\&", ""), ("\\%", "")):
        text = text.replace(a, b)
    return text


def man_examples(path):
    """The .EX blocks, except those after a '.\\" nocompile' line."""
    out, block, inside, skip, previous = [], [], False, False, ""
    for n, line in enumerate(read(path).split("\n"), 1):
        if line.startswith(".EX"):
            inside, block, start = True, [], n
            skip = previous.startswith('.\\" nocompile')
        elif line.startswith(".EE"):
            inside = False
            if not skip:
                out.append((start, roff_unescape("\n".join(block)) + "\n"))
        elif inside:
            block.append(line)
        previous = line
    return out


def render(path, width=80, ascii=False):
    env = dict(os.environ, MANWIDTH=str(width), MAN_KEEP_FORMATTING="0")
    if ascii:
        r = subprocess.run(["groff", "-man", "-Tascii", "-P-c", "-P-b", "-P-u", "-P-o",
                            "-rLL=%dn" % width, path], capture_output=True, text=True)
    else:
        r = subprocess.run(["man", "-l", path], capture_output=True, text=True, env=env)
    return r


def check_man_pages(tmp):
    pages = sorted(p for p in os.listdir(MAN) if re.search(r"\.[13]$", p))
    check("cssl.1" in pages, "docs/man/cssl.1 exists")
    have_groff = shutil.which("groff") is not None
    have_man = shutil.which("man") is not None
    have_mandoc = shutil.which("mandoc") is not None
    synopses = ""
    documented = set()
    for page in pages:
        path = os.path.join(MAN, page)
        if have_groff:
            r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path],
                               capture_output=True, text=True)
            check(r.returncode == 0 and r.stderr == "", "groff -ww %s: %s" % (page, r.stderr))
            text = render(path, ascii=True).stdout
            m = re.search(r"^SYNOPSIS\n(.*?)^DESCRIPTION", text, re.S | re.M)
            if page.endswith(".3") and check(m is not None, "%s has a SYNOPSIS" % page):
                synopses += " " + re.sub(r"\s+", " ", m.group(1)).replace("( ", "(")
        if have_man:
            r = render(path)
            check(r.returncode == 0 and r.stderr == "", "man -l %s: %s" % (page, r.stderr))
        if have_mandoc:
            r = subprocess.run(["mandoc", "-W", "all", "-Tlint", path], capture_output=True,
                               text=True)
            check(r.returncode == 0 and r.stdout + r.stderr == "",
                  "mandoc -Tlint %s: %s" % (page, r.stdout + r.stderr))
        # NAME lists the functions a page documents.
        name = re.search(r"^\.SH NAME\n(.*?)\\-", read(path), re.S | re.M)
        if check(name is not None, "%s has a NAME line" % page):
            documented |= set(re.findall(r"\b(cssl\w*)", name.group(1)))
        for start, code in man_examples(path):
            what = "%s:%d" % (page, start)
            if page.endswith(".3"):
                compile_c(code, what, tmp, prelude=False)
            else:
                check_sh(code, what)
    missing = [n for n, proto in PROTOTYPES.items() if proto not in synopses]
    if have_groff:
        check(not missing, "prototypes missing from (or different in) the man SYNOPSIS: %s"
              % ", ".join(missing))
    check(set(PROTOTYPES) <= documented,
          "functions in no man page NAME: %s" % sorted(set(PROTOTYPES) - documented))
    # Cross references cssl_x(3) must name a documented function or page.
    pages3 = {p[:-2] for p in pages if p.endswith(".3")}
    for page in pages:
        for ref in re.findall(r"\.BR (cssl\w*) \((\d)\)", read(os.path.join(MAN, page))):
            check(ref[0] in documented | pages3 | {"cssl"},
                  "%s refers to %s(%s), which no page documents" % (page, ref[0], ref[1]))
    print("man: %d pages, %d prototypes checked, tools: %s" % (
        len(pages), len(PROTOTYPES),
        ", ".join(t for t, ok in (("groff", have_groff), ("man", have_man),
                                  ("mandoc", have_mandoc)) if ok) or "none"))
    if not have_groff:
        print("skip: groff is missing (Debian package groff-base): pages not rendered")


# ------------------------------------------------------------------ names

def check_names():
    pages = {p.rsplit(".", 1)[0] for p in os.listdir(MAN)}
    allowed = NAMES | NOT_API | pages | {p.upper() for p in pages}
    docs = [GUIDE, os.path.join(SRC, "README.md"), os.path.join(SRC, "docs", "FEATURES.md")]
    docs += [os.path.join(MAN, p) for p in os.listdir(MAN)]
    for path in docs:
        if not os.path.exists(path):
            continue
        for name in sorted(set(re.findall(r"\b(?:cssl|CSSL)_\w+", read(path)))):
            if name in allowed:
                continue
            if name.endswith("_") and any(n.startswith(name) for n in NAMES):
                continue  # a family: cssl_error_*
            check(False, "%s mentions %s, which cssl.h does not declare"
                  % (os.path.relpath(path, SRC), name))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        check_guide(tmp)
        check_man_pages(tmp)
    check_names()
    if failures:
        print("%d failure(s)" % len(failures))
        sys.exit(1)
    print("ok: guide snippets, man pages, names")


main()
