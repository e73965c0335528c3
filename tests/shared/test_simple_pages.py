import json
from datetime import datetime, timezone

from ppc_shared.models import PackageFile
from ppc_shared.simple_pages import (
    build_project_page, render_index_html, render_index_json, render_project_html, render_project_json,
)


def package(filename, version, **metadata):
    return PackageFile("demo", version, filename, datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc),
                       summary="s", metadata=metadata)


FILES = [
    package("demo-2.0.tar.gz", "2.0", hash_sha256="b" * 64, requires_python='>=3.8,<"4"&', size=10,
            yanked=True, yanked_reason="broken <b>"),
    package("demo-1.0-py3-none-any.whl", "1.0", hash_sha256="a" * 64, hash_md5="c" * 32,
            core_metadata_sha256="d" * 64, size=20),
    package("demo-10.0.tar.gz", "10.0"),
]


def page():
    return build_project_page("demo", FILES, lambda p: f"/api/package/demo/{p.filename}")


def test_files_and_versions_sort_by_pep_440():
    built = page()
    assert [f.filename for f in built.files] == ["demo-1.0-py3-none-any.whl", "demo-2.0.tar.gz", "demo-10.0.tar.gz"]
    assert built.versions == ("1.0", "2.0", "10.0")


def test_html_has_hash_fragment_escaped_requires_python_metadata_and_yank():
    html = render_project_html(page())
    assert '<meta name="pypi:repository-version" content="1.1">' in html
    assert 'href="/api/package/demo/demo-1.0-py3-none-any.whl#sha256=' + "a" * 64 + '"' in html
    assert 'data-requires-python="&gt;=3.8,&lt;&quot;4&quot;&amp;"' in html
    assert f'data-dist-info-metadata="sha256={"d" * 64}"' in html
    assert f'data-core-metadata="sha256={"d" * 64}"' in html
    assert 'data-yanked="broken &lt;b&gt;"' in html
    assert "<b>" not in html
    # a file without a hash gets no fragment, without metadata no metadata attribute
    line = next(l for l in html.splitlines() if "demo-10.0" in l)
    assert "#sha256" not in line and "metadata" not in line and "data-yanked" not in line


def test_json_is_pep_691_with_pep_700_fields():
    document = json.loads(render_project_json(page()))
    assert document["meta"] == {"api-version": "1.1"}
    assert document["name"] == "demo"
    assert document["versions"] == ["1.0", "2.0", "10.0"]
    wheel, sdist, bare = document["files"]
    assert wheel["hashes"] == {"sha256": "a" * 64, "md5": "c" * 32}
    assert wheel["core-metadata"] == {"sha256": "d" * 64} == wheel["dist-info-metadata"]
    assert wheel["yanked"] is False and wheel["size"] == 20
    assert wheel["upload-time"] == "2024-01-02T03:04:05.000006Z"
    assert sdist["yanked"] == "broken <b>"
    assert sdist["requires-python"] == '>=3.8,<"4"&'
    assert bare["hashes"] == {} and bare["core-metadata"] is False and "size" not in bare


def test_index_pages_list_names():
    html = render_index_html(["a-b", "c"], lambda n: f"/simple/{n}/")
    assert '<a href="/simple/a-b/">a-b</a>' in html
    assert json.loads(render_index_json(["a-b"])) == {"meta": {"api-version": "1.1"}, "projects": [{"name": "a-b"}]}
