"""The asked-for kind of answer: which questions ask for which, the span found, its JSON and bold."""

import io

import pytest

from rag_app.answering.kinds import answer_span, asked_kinds
from rag_app.cli.render import BOLD, PLAIN, marked, print_answer
from rag_app.results import Answer


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("When was the GPL version 3 published?", ["date"]),
        ("What must be used when the function is variadic?", []),  # "when" inside a question is not a date
        ("Since which version is asn1_perror available?", ["version"]),
        ("How many days after the cessation?", ["number"]),
        ("Who wrote the Mac OS X port?", ["name"]),
        ("What is the most popular Valgrind tool called?", ["name"]),
        ("Which command installs pip?", ["command", "code"]),
        ("Which option gives extra information?", ["code"]),
        ("From where can get-pip.py be downloaded?", ["address"]),
        ("What is Cachegrind?", []),
    ],
)
def test_asked_kinds(question, kinds):
    assert asked_kinds(question) == kinds


@pytest.mark.parametrize(
    ("question", "answer", "text"),
    [
        ("How long may the holder wait?", "prior to 60 days after the cessation", "60 days"),
        ("Which uid range is reserved?", "uids in the 0-99 range", "0-99"),
        ("Which version of Libtasn1?", "for version 4.19.0, 18 August 2022", "version 4.19.0"),
        ("Which command installs pip?", "Run `python -m ensurepip --upgrade` once.", "`python -m ensurepip --upgrade`"),
        ("Which e-mail list takes bug reports?", "Send them to procps@freelists.org today.", "procps@freelists.org"),
        ("Who wrote DRD?", "Bart Van Assche wrote and maintains DRD.", "Bart Van Assche"),
    ],
)
def test_the_span_is_the_asked_for_kind_not_in_the_question(question, answer, text):
    span = answer_span(question, answer)
    assert span["text"] == text and answer[span["start"] : span["end"]] == text


def test_answer_json_carries_the_span_or_null():
    dated = Answer("When?", "Version 3, 29 June 2007", [], answer_span=answer_span("When?", "Version 3, 29 June 2007"))
    assert dated.to_dict()["answer_span"] == {"start": 11, "end": 23, "text": "29 June 2007", "kind": "date"}
    assert Answer("What is it?", "A tool.", []).to_dict()["answer_span"] is None


def test_the_span_is_bold_on_a_terminal_only():
    span = {"start": 11, "end": 23, "text": "29 June 2007", "kind": "date"}
    assert marked("Version 3, 29 June 2007", span, terminal=True) == f"Version 3, {BOLD}29 June 2007{PLAIN}"
    assert marked("Version 3, 29 June 2007", span, terminal=False) == "Version 3, 29 June 2007"
    assert marked("Changed text", span, terminal=True) == "Changed text"  # a span that does not fit is ignored
    out = io.StringIO()  # not a terminal
    print_answer({"answer": "Version 3, 29 June 2007", "answer_span": span, "sources": []}, out)
    assert BOLD not in out.getvalue() and out.getvalue().startswith("Version 3, 29 June 2007\n")


def test_a_path_span_ends_before_the_full_stop():
    answer = "Public Python 3 modules must be installed in the system directory, /usr/lib/python3/dist-packages."
    span = answer_span("Where must public Python 3 modules be installed?", answer)
    assert span["text"] == "/usr/lib/python3/dist-packages" and span["kind"] == "path"


def test_a_default_question_marks_the_value_stated_as_the_default():
    answer = "The flags -1 through -9 specify the block size to be 100,000 bytes through 900,000 bytes (the default)."
    assert answer_span("What is the default block size of bzip2?", answer)["text"] == "900,000 bytes"
    assert answer_span("What block sizes can bzip2 use, how many bytes?", answer)["text"] == "-1"


def test_a_number_span_ends_before_the_sentence_s_comma():
    assert answer_span("What is the default port?", "The default port is 8080, or 8443 with TLS.")["text"] == "8080"
