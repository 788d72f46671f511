"""--stage and --param reach the loaders, as the deploy command would pass them."""

from __future__ import annotations

import json

from fnguard.cli import main

SERVERLESS = """\
service: staged
provider:
  name: aws
  runtime: python3.12
  stage: ${opt:stage, 'dev'}
  environment:
    TABLE: orders-${sls:stage}
    OWNER: ${param:owner, 'nobody'}
functions:
  api:
    handler: app.handler
    memorySize: ${self:custom.memory.${sls:stage}}
custom:
  memory:
    dev: 128
    prod: 2048
"""

SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Memory:
    Type: Number
    Default: 128
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: .
      MemorySize: !Ref Memory
"""


def _memory(tmp_path, capsys, *args: str) -> int:
    assert main(["scan", str(tmp_path), "--format", "json", "--fail-on", "critical", *args]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    return report["apps"][0]["functions"][0]["memory"]


def test_stage_and_params_for_serverless(tmp_path, capsys):
    (tmp_path / "serverless.yml").write_text(SERVERLESS)
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    assert _memory(tmp_path, capsys) == 128
    assert _memory(tmp_path, capsys, "--stage", "prod") == 2048
    assert main(["inventory", str(tmp_path), "--format", "json", "--stage", "prod", "--param", "owner=ops"]) == 0
    assert json.loads(capsys.readouterr().out)["apps"][0]["functions"][0]["name"] == "api"


def test_parameter_overrides_for_sam(tmp_path, capsys):
    (tmp_path / "template.yaml").write_text(SAM)
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    assert _memory(tmp_path, capsys) == 128
    assert _memory(tmp_path, capsys, "--param", "Memory=3008") == 3008


def test_bad_param_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "template.yaml").write_text(SAM)
    assert main(["scan", str(tmp_path), "--param", "novalue"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err
