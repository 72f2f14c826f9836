"""Mapping templates, JSONPath and patch operations, in-process (no server needed)."""

from __future__ import annotations

import pytest

from squall.services.apigateway import jsonpath, patch, vtl
from squall.services.apigateway.errors import BadRequest

BODY = b'{"a": {"b": [1, 2, 3]}, "s": "x y/\\"q\\"", "n": null}'


def render(template: str, body: bytes = BODY, **kw) -> str:
    params = kw.pop("params", {"path": {"id": "7"}, "querystring": {"q": "z"}, "header": {"X-H": "h"}})
    return vtl.render(template, input=vtl.Input(body, params), context=kw.pop("context", {"stage": "dev"}),
                      stage_variables=kw.pop("stage_variables", {"v": "V"}))


@pytest.mark.parametrize("template,expected", [
    ("$input.json('$.a.b')", "[1,2,3]"),
    ("$input.json('$.a.b[-1]')", "3"),
    ("$input.json('$.missing')", "null"),
    ("$input.path('$.a.b').size()", "3"),
    ("#foreach($x in $input.path('$.a.b'))$x#if($foreach.hasNext),#end#end", "1,2,3"),
    ("$input.params('id')/$input.params('q')/$input.params('x-h')/[$input.params('none')]", "7/z/h/[]"),
    ("#foreach($k in $input.params().querystring.keySet())$k=$input.params().querystring.get($k)#end", "q=z"),
    ("$util.escapeJavaScript($input.path('$.s'))", 'x y\\/\\"q\\"'),
    ("$util.urlEncode('a b&c')", "a+b%26c"),
    ("$util.urlDecode('a+b%26c')", "a b&c"),
    ("$util.base64Encode('hi')|$util.base64Decode('aGk=')", "aGk=|hi"),
    ("#set($d = $util.parseJson('{\"k\": [1]}'))$d.k.size()", "1"),
    ("$context.stage/$stageVariables.v", "dev/V"),
])
def test_templates(template, expected):
    assert render(template) == expected


def test_raw_body_and_errors():
    assert render("$input.body", b"plain text") == "plain text"
    assert render("$input.json('$')", b"plain text") == "plain text"
    with pytest.raises(vtl.TemplateError):
        render("#if($x")
    with pytest.raises(vtl.TemplateError):
        render("$util.parseJson('{not')")


def test_jsonpath():
    doc = {"a": [{"b": 1}, {"b": 2}], "c": {"d": {"b": 3}}, "e f": 4}
    assert jsonpath.evaluate(doc, "$.a[*].b") == [1, 2]
    assert jsonpath.evaluate(doc, "$..b") == [1, 2, 3]
    assert jsonpath.evaluate(doc, "$['e f']") == 4
    assert jsonpath.evaluate(doc, "c.d.b") == 3
    assert jsonpath.evaluate(doc, "$.x.y") is None


def test_patch_operations():
    spec = {"name": "str", "enabled": "bool", "limit": "int", "vars": "map", "types": "set",
            "stages": "list", "t/rate": "float"}
    doc = {"name": "a", "types": ["image/png"], "vars": {"k": "v"}}
    patch.apply(doc, [
        {"op": "replace", "path": "/name", "value": "b"}, {"op": "replace", "path": "/enabled", "value": "true"},
        {"op": "add", "path": "/limit", "value": "5"}, {"op": "add", "path": "/vars/new~1key", "value": "x"},
        {"op": "remove", "path": "/vars/k"}, {"op": "add", "path": "/types/text~1csv"},
        {"op": "replace", "path": "/types/image~1png", "value": "image/gif"},
        {"op": "add", "path": "/stages", "value": "api/prod"}, {"op": "replace", "path": "/t/rate", "value": "2.5"},
        {"op": "copy", "from": "/vars/new~1key", "path": "/vars/copied"},
    ], spec)
    assert doc == {"name": "b", "enabled": True, "limit": 5, "vars": {"new/key": "x", "copied": "x"},
                   "types": ["image/gif", "text/csv"], "stages": ["api/prod"], "t": {"rate": 2.5}}
    for bad in ({"op": "replace", "path": "/nope", "value": "1"}, {"op": "jump", "path": "/name"},
                {"op": "replace", "path": "/enabled", "value": "maybe"}, {"op": "remove", "path": "/vars/absent"}):
        with pytest.raises(BadRequest):
            patch.apply(doc, [bad], spec)
