"""Layers that are local directories are part of the function's inventory (SAM and serverless.yml)."""

from __future__ import annotations

from pathlib import Path

from fnguard.deps.audit import function_directories
from fnguard.load import load_path

SAM = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  DepsLayer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: layer/
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Layers:
        - !Ref DepsLayer
        - arn:aws:lambda:us-east-1:123456789012:layer:other:1
"""

SLS = """service: s
provider:
  name: aws
  runtime: python3.12
layers:
  shared-deps:
    path: ../outside-layer
functions:
  hello:
    handler: handler.main
    layers:
      - { Ref: SharedDashdepsLambdaLayer }
"""


def test_sam_layer_content_uri(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import yaml\n")
    (tmp_path / "layer").mkdir()
    (tmp_path / "template.yaml").write_text(SAM)
    app = load_path(tmp_path)[0]
    assert function_directories(app, app.functions[0]) == [tmp_path / "src", tmp_path / "layer"]


def test_serverless_layer_path(tmp_path: Path) -> None:
    service = tmp_path / "service"
    service.mkdir()
    (service / "handler.py").write_text("def main(e, c):\n    return 1\n")
    (tmp_path / "outside-layer").mkdir()
    (service / "serverless.yml").write_text(SLS)
    app = load_path(service)[0]
    assert (tmp_path / "outside-layer").resolve() in [d.resolve() for d in function_directories(app, app.functions[0])]
