"""Source names: the shortest trailing part of a path that tells it apart, in time linear in the sources."""

import time

from rag_app.results import short_names


def test_short_names_tell_paths_apart():
    paths = ["/d/a/bc/bc.html", "/d/b/bc/bc.html", "/d/c/x.html", "/d/readme", "/e/readme", "readme"]
    assert short_names(paths) == {
        "/d/a/bc/bc.html": "a/bc/bc.html",
        "/d/b/bc/bc.html": "b/bc/bc.html",
        "/d/c/x.html": "x.html",
        "/d/readme": "d/readme",
        "/e/readme": "e/readme",
        "readme": "readme",  # a whole path that is the tail of others stays whole
    }


def test_short_names_of_ten_thousand_sources_in_linear_time():
    paths = [f"/srv/docs/team{i % 50}/guides/file{i // 3}.md" for i in range(10_000)]
    started = time.perf_counter()
    names = short_names(paths)
    assert time.perf_counter() - started < 2  # about 0.05 s; comparing every pair took 12 s to 2 min
    assert names[paths[0]] == "file0.md" or names[paths[0]].endswith("/file0.md")
    assert len(set(names.values())) == len(paths)
