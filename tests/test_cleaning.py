"""Clean text from real-world files: HTML, hard-wrapped text, Markdown and PDF (issue 10's failures)."""

from pathlib import Path

from rag_app.ingestion.loaders import SourceFile, find_files, load_file
from rag_app.ingestion.text import markdown_sections, strip_page_furniture, unwrap

LIBFFI = """<!DOCTYPE html><html><head><title>The Basics (libffi)</title><style>p {color: red}</style></head>
<body><div class="header"><p>Next: <a href="n.html">Simple Example</a>, Previous: <a href="p.html">What is
libffi?</a>, Up: <a href="u.html">Using libffi</a></p></div><hr>
<nav><a href="/">Home</a> <a href="/docs">Docs</a></nav>
<h1>Using libffi</h1>
<div class="toc"><ul><li><a href="#a">The Basics</a></li><li><a href="#b">Types</a></li></ul></div>
<h2>2.1 The Basics<a class="copiable-link" href="#b">¶</a></h2>
<p><var class="var">argtypes</var> is a vector of <code class="code">ffi_type</code> pointers.
<var class="var">argtypes</var> must have <var class="var">nargs</var> elements.  If
<var class="var">nargs</var> is 0, this argument is ignored.</p>
<pre class="example">ffi_cif cif;
ffi_call (&amp;cif, FFI_FN (puts), &amp;rc, values);</pre>
<table><tr><th>Version</th><th>Changes</th></tr><tr><td>v6.0.0</td><td>Throws now.</td></tr></table>
<ul><li>one <b>bold</b> item</li><li>two</li></ul>
<table class="nav" summary="Navigation footer"><tr><td><a href="p.html">Prev</a></td><td>Up</td></tr></table>
<div role="navigation"><p>Skip to content, or read something else entirely.</p></div>
<footer>Copyright 2024 Somebody</footer><script>console.log("x")</script>
</body></html>"""


def load(path, source="x"):
    return load_file(SourceFile(path, source))


def test_html_keeps_inline_text_whole_and_drops_navigation(workdir):
    (workdir / "basics.html").write_text(LIBFFI)
    docs = load(workdir / "basics.html", "basics.html")
    text = "\n".join(d.page_content for d in docs)
    assert "argtypes must have nargs elements. If nargs is 0, this argument is ignored." in text
    assert "ffi_cif cif;\nffi_call (&cif, FFI_FN (puts), &rc, values);" in text  # code keeps its lines
    assert "Version | Changes" in text and "v6.0.0 | Throws now." in text
    assert "- one bold item" in text and "- two" in text
    for gone in (
        "Next:",
        "Previous",
        "Simple Example",
        "Home",
        "Skip to content",
        "Copyright",
        "console",
        "color",
        "¶",
    ):
        assert gone not in text, gone
    assert "The Basics (libffi)" not in text  # the page title is metadata, not an answer
    assert {d.metadata["title"] for d in docs} == {"The Basics (libffi)"}


def chunks(path, size=200):
    from rag_app.config import Settings
    from rag_app.ingestion.splitter import make_splitter

    return make_splitter(Settings(chunk_size=size, chunk_overlap=0)).split_documents(load(path))


def test_html_chunks_carry_their_heading_path(workdir):
    (workdir / "basics.html").write_text(LIBFFI)
    basics = [c for c in chunks(workdir / "basics.html") if "argtypes" in c.page_content]
    assert basics and {c.metadata["section"] for c in basics} == {"Using libffi › 2.1 The Basics"}
    assert all("sections" not in c.metadata for c in chunks(workdir / "basics.html"))


def test_hard_wrapped_paragraphs_are_joined_and_structure_kept():
    text = (
        "                    GNU GENERAL PUBLIC LICENSE\n"
        "                       Version 3, 29 June 2007\n\n"
        "  Daemons that need not own any files sometimes run as user nobody and\n"
        "group nogroup, although using a dedicated user is far preferable.  Thus,\n"
        "no files on a system should be owned by this user or group.\n\n"
        "There are some exceptions to this, all of them listed here in full:\n"
        "* root is never removed or changed. If it doesn't exist a root account will\n"
        "  be added though.\n"
        "* the home directory for the ftp user is preserved\n\n"
        "    uid   | name              | description\n"
        "    64001 | mysql             | mysql-server\n"
    )
    lines = unwrap(text).splitlines()
    assert lines[0].strip() == "GNU GENERAL PUBLIC LICENSE" and lines[1].strip() == "Version 3, 29 June 2007"
    assert (
        "  Daemons that need not own any files sometimes run as user nobody and group nogroup, although using"
        " a dedicated user is far preferable.  Thus, no files on a system should be owned by this user or group."
    ) in lines
    assert "* root is never removed or changed. If it doesn't exist a root account will be added though." in lines
    assert "* the home directory for the ftp user is preserved" in lines
    assert "    64001 | mysql             | mysql-server" in lines and lines.count("") == 3


def test_hyphenation_at_line_ends_is_undone():
    text = (
        "This manual is for GNU Libtasn1, which is a library for Abstract Syntax Notation One and DER manip-\n"
        "ulation. Off-line structure management is supported as well as on-line structure manage-\n"
        "ment, with a number of well-known encodings.\n"
        "short\nlines\nhere\nto set a width"
    )
    assert "DER manipulation. Off-line structure" in unwrap(text) and "structure management, with" in unwrap(text)


def test_markdown_joins_paragraph_lines_keeps_code_and_cuts_at_headings():
    text = (
        "PyYAML\n======\n\nA full-featured YAML framework\nfor Python.\n\n## Installation\n\n"
        "To install, type\n`python setup.py install`.\n\n    >>> yaml.load(stream)\n    >>> yaml.dump(data)\n\n"
        "```sh\n$ meson _build\n# not a heading\n```\n"
    )
    sections = markdown_sections(unwrap(text, markdown=True))
    assert [path for path, _ in sections] == [["PyYAML"], ["PyYAML", "Installation"]]
    assert "A full-featured YAML framework for Python." in sections[0][1]
    body = sections[1][1]
    assert "To install, type `python setup.py install`." in body
    assert "    >>> yaml.load(stream)\n    >>> yaml.dump(data)" in body and "# not a heading" in body


def test_markdown_chunks_are_labelled_with_their_section(workdir):
    (workdir / "README.md").write_text("# Tool\n\nIt does things.\n\n## Install\n\nRun `make`, then `make install`.\n")
    docs = load(workdir / "README.md")
    assert len(docs) == 1 and docs[0].page_content.startswith("Tool\n\nIt does things.\n\nInstall\n\n")
    small = [c.metadata.get("section") for c in chunks(workdir / "README.md", size=30)]
    assert small[0] == "Tool" and small[-1] == "Tool › Install" and set(small) == {"Tool", "Tool › Install"}
    assert [c.metadata.get("section") for c in chunks(workdir / "README.md", size=1000)] == ["Tool"]  # shared path


def test_a_chunk_spanning_sections_gets_the_path_they_share():
    from rag_app.ingestion.splitter import section_of

    marks = [[0, ""], [10, "Guide › Install"], [50, "Guide › Use"], [90, "Other"]]
    assert section_of(marks, 0, 5) == ""
    assert section_of(marks, 12, 20) == "Guide › Install"
    assert section_of(marks, 40, 30) == "Guide"
    assert section_of(marks, 60, 40) == "Guide › Use"  # no shared path: the first one's


def test_versioned_licence_file_names_are_read_as_text(workdir):
    (workdir / "Apache-2.0").write_text("Apache License\nVersion 2.0, January 2004\n")
    (workdir / "data.bin").write_bytes(b"\x00\x01")
    files, skipped = find_files([workdir])
    assert [f.source for f in files] == ["Apache-2.0"]
    assert skipped == [(str(workdir / "data.bin"), "unsupported file type .bin")]


WORDS = ["first", "second", "third", "fourth"]


def test_running_headers_footers_and_toc_leaders_are_dropped():
    pages = [
        "i\nTable of Contents\n1 Introduction . . . . . . . . 1\n2.1 ASN.1 syntax. . . . . . . . . 2",
        *[f"Chapter 4: Function reference {n}\nThe {word} text stays.\n{n}" for n, word in zip(range(8, 12), WORDS)],
    ]
    cleaned = strip_page_furniture(pages)
    assert cleaned[0] == "i\nTable of Contents"
    assert cleaned[1:] == [f"The {word} text stays." for word in WORDS]


def test_pdf_pages_lose_repeated_headers_and_are_unwrapped(workdir):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    for n, word in enumerate(WORDS[:3], start=1):
        pdf.add_page()
        pdf.cell(0, 8, f"Shared MIME-info Database, page {n}", new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(
            0,
            6,
            f"Section {n}. Each {word} application that wishes to contribute to the MIME database will install a single "
            "XML file, named after the application, into one of the three packages directories. After installing "
            "it the application must run the update-mime-database command.",
        )
    pdf.output(str(workdir / "spec.pdf"))
    docs = load(workdir / "spec.pdf")
    assert [d.metadata["page"] for d in docs] == [1, 2, 3]
    for n, doc in enumerate(docs, start=1):
        assert "Shared MIME-info Database" not in doc.page_content
        assert "\n" not in doc.page_content and doc.page_content.startswith(
            f"Section {n}. Each {WORDS[n - 1]} application"
        )


SECTIONS = "\n".join(
    f"<section id='s{n}'><h3>{n}. Section {n}</h3><p>Paragraph {n} says how packages of kind {n} are built, "
    f"where their files go and which tools check them, in enough words to be a page.</p></section>"
    for n in range(1, 40)
)
SPHINX_PAGE = f"""<html><head><title>Debian Python Policy</title></head><body>
<div class="related" role="navigation"><a href="genindex.html">index</a> <a href="#">next</a></div>
<div class="document"><div class="body" role="main">
<section id="debian-python-policy"><h1>Debian Python Policy</h1>
<p>This document describes the packaging of Python in Debian.</p>
<section id="contents"><h2>Contents</h2>
{SECTIONS}
</section></section></div></div>
<div class="sphinxsidebar" role="navigation"><ul><li><a href="#a">1. Python Packaging</a></li>
<li><a href="#b">2. Module Path</a></li><li><a href="#c">3. Tools</a></li></ul></div>
</body></html>"""

LAYOUT_TABLE = """<html><head><title>Introduction</title></head><body><table><tr><td><table><tr><td>
<ul><li><a href="index.html">Home</a></li><li><a href="intro.html">Introduction</a></li>
<li><a href="docs.html">Documentation</a></li><li><a href="bugs.html">Reporting bugs and getting help</a></li>
<li><a href="downloads.html">Downloads</a></li><li><a href="../index.html">libxslt</a></li></ul>
<ul><li><a href="m.html">Mail archive</a></li><li><a href="x.html">XML libxml2</a></li><li><a href="w.html">Windows
binaries</a></li><li><a href="s.html">Solaris binaries</a></li><li><a href="o.html">MacOsX binaries</a></li>
<li><a href="b.html">Bug Tracker</a></li><li><a href="l.html">lxml Python bindings</a></li><li><a href="p.html">Perl
XSLT bindings</a></li><li><a href="h.html">XSLT with PHP</a></li><li><a href="a.html">Apache module</a></li></ul>
</td></tr></table></td><td valign="top"><p>This document describes libexslt, the EXSLT C library developed
for the <a href="http://www.gnome.org/">Gnome</a> project.</p></td></tr></table></body></html>"""


def test_a_sphinx_section_named_contents_is_the_page_not_its_table_of_contents(workdir):
    page = workdir / "python-policy.html"
    page.write_text(SPHINX_PAGE)
    text = "\n".join(d.page_content for d in load(page))
    assert "Paragraph 39 says how packages of kind 39 are built" in text
    assert "describes the packaging of Python" in text
    assert "2. Module Path" not in text  # the sidebar still goes


def test_a_menu_in_a_layout_table_goes_and_the_sentence_beside_it_stays(workdir):
    page = workdir / "intro.html"
    page.write_text(LAYOUT_TABLE)
    text = load(page)[0].page_content
    assert "This document describes libexslt, the EXSLT C library developed for the Gnome project." in text
    assert "Reporting bugs" not in text


def test_ingest_reports_characters_per_file_and_warns_when_a_page_loses_its_text(workdir, run, monkeypatch):
    monkeypatch.setenv("RAG_EMBEDDINGS", "fake")
    (workdir / "docs").mkdir()
    (workdir / "docs" / "notes.txt").write_text("The okapi lives in the Congo.\n")
    (workdir / "docs" / "bloated.html").write_text(
        "<html><body><p>Only this sentence is text.</p><script>" + "x = 1;\n" * 2000 + "</script></body></html>"
    )
    result = run("ingest", "docs", "--json")
    assert result.code == 0
    extracted = {Path(e["path"]).name: e for e in result.json()["extracted"]}
    assert extracted["notes.txt"]["characters"] == len("The okapi lives in the Congo.")
    assert extracted["bloated.html"]["characters"] < 0.1 * extracted["bloated.html"]["bytes"]
    assert "warning: bloated.html: only 27 characters of text from" in result.err
    assert "notes.txt" not in result.err
    sources = {Path(s["path"]).name: s for s in run("sources", "--json").json()}
    assert sources["notes.txt"]["characters"] == extracted["notes.txt"]["characters"]
    assert sources["bloated.html"]["characters"] == 27


def test_unwrap_is_linear_on_a_log_like_text():
    """A text with no blank line (a log, one sentence a line) joins into one long line: that must not
    be quadratic (it was: 256 KB took 28 s, 1 MB over two minutes, issue 21)."""
    import time

    log = "\n".join(f"line {i} of a log file with some ordinary words in it." for i in range(18_000))  # 1 MB
    started = time.perf_counter()
    joined = unwrap(log)
    sections = markdown_sections(unwrap(log, markdown=True))
    assert time.perf_counter() - started < 2  # about 0.2 s; quadratic, it took minutes
    assert joined == log.replace("\n", " ") and sections[0][1] == joined


def test_a_long_run_of_dots_is_not_a_quadratic_toc_leader():
    import time

    started = time.perf_counter()
    pages = strip_page_furniture(["." * 200_000 + " z", "Naming . . . . . . 3\nkept"])
    assert time.perf_counter() - started < 2  # 4,000 dots took 2 s before; 200,000 would take an hour
    assert pages == ["." * 200_000 + " z", "kept"]


def test_joining_tracks_the_line_start_and_end_exactly():
    """What the linear unwrap keeps of a joined line (its start, end, length) gives what the whole line gave."""
    cases = {
        "#\nnot a heading\nthird line": "# not a heading\nthird line",  # joined, it starts like a heading
        "ab-\ncd-\nef-\ngh-\nij end:\nNext": "abcdefghij end:\nNext",
        "abcdefgh-\nij": "abcdefghij",
        "abcdefg-\nh-\nij": "abcdefghij",
        "x\nab-\ncdefghi-\nj": "x abcdefghij",
        "1234567-\nxyz": "1234567- xyz",
    }
    for text, expected in cases.items():
        assert unwrap(text, markdown=True) == expected, text
