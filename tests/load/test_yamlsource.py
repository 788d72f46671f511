from pathlib import Path

import pytest

from fnguard.load.yamlsource import LineDict, line_of, load_document, parse_document
from fnguard.model import InputError


def test_short_tags_become_long_form_with_lines():
    text = "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Role: !GetAtt R.Arn\n" \
           "      Env: !Sub '${AWS::Region}-x'\n      Name: !Ref Param\n      List: !Join ['-', [a, !Ref B]]\n"
    doc = parse_document(text, Path("t.yaml"))
    props = doc["Resources"]["Fn"]["Properties"]
    assert props["Role"] == {"Fn::GetAtt": ["R", "Arn"]}
    assert props["Env"] == {"Fn::Sub": "${AWS::Region}-x"}
    assert props["Name"] == {"Ref": "Param"}
    assert props["List"] == {"Fn::Join": ["-", ["a", {"Ref": "B"}]]}
    assert isinstance(doc, LineDict)
    assert line_of(doc["Resources"], "Fn") == 2
    assert line_of(props, "Env") == 6


def test_json_keys_get_lines():
    text = '{\n  "Resources": {\n    "A": {"Type": "AWS::SQS::Queue"},\n    "B": {\n      "Type": "x"\n    }\n  }\n}\n'
    doc = parse_document(text, Path("t.json"))
    assert line_of(doc["Resources"], "A") == 3
    assert line_of(doc["Resources"], "B") == 4


@pytest.mark.parametrize("content, fragment", [
    (b"a: [1, 2\n", "invalid YAML"),
    (b"\x00\x01\x02binary", "binary file"),
    (b"\xff\xfe\xfa not utf8", "not UTF-8"),
])
def test_bad_documents_raise_one_line_errors(tmp_path, content, fragment):
    path = tmp_path / "template.yaml"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_document(path)
    message = str(info.value)
    assert fragment in message and str(path) in message and "\n" not in message


def test_malformed_json_names_the_line(tmp_path):
    path = tmp_path / "template.json"
    path.write_text('{\n  "Resources": {\n    "A": \n  }\n}\n')
    with pytest.raises(InputError, match=r"template.json:4: invalid JSON"):
        load_document(path)


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "template.yaml"
    with open(path, "wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(InputError, match="50 MB"):
        load_document(path)
