"""Serverless Framework variables resolved offline: every source, fallbacks, nesting, cycles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnguard.load.sls_variables import ACCOUNT_ID, Options, Resolver, resolve_document
from fnguard.load.yamlsource import LineDict, line_of, parse_document
from fnguard.model import InputError


def _resolve(tmp_path: Path, text: str, **options: object) -> tuple[dict, list[str]]:
    path = tmp_path / "serverless.yml"
    path.write_text(text)
    document = parse_document(text, path)
    resolved, notes, _resolver = resolve_document(document, path, Options(**options))  # type: ignore[arg-type]
    return resolved, notes


def test_self_references_any_path_and_keeps_types(tmp_path):
    doc, notes = _resolve(tmp_path, """
service: shop
custom:
  table: orders
  size: 512
  nested: {a: {b: deep}}
  whole: ${self:custom.nested}
  viaVariable: ${self:custom.whole.a.b}
  listed: [x, y]
provider:
  name: aws
  memorySize: ${self:custom.size}
  environment:
    TABLE: ${self:custom.table}
    SECOND: ${self:custom.listed.1}
    SERVICE: ${self:service}
""")
    assert doc["provider"]["memorySize"] == 512
    assert doc["provider"]["environment"] == {"TABLE": "orders", "SECOND": "y", "SERVICE": "shop"}
    assert doc["custom"]["whole"] == {"a": {"b": "deep"}}
    assert doc["custom"]["viaVariable"] == "deep"
    assert notes == []


def test_provider_stage_and_region_have_framework_defaults(tmp_path):
    doc, _ = _resolve(tmp_path, """
service: s
provider:
  name: aws
custom:
  stage: ${self:provider.stage}
  region: ${self:provider.region}
  both: ${opt:stage, self:provider.stage}-${opt:region, self:provider.region}
""")
    assert doc["custom"] == {"stage": "dev", "region": "us-east-1", "both": "dev-us-east-1"}


def test_opt_stage_and_region_from_options_or_fallback(tmp_path):
    text = """
service: s
provider:
  name: aws
  stage: ${opt:stage, 'dev'}
  region: ${opt:region, 'eu-west-1'}
custom:
  stage: ${opt:stage}
  sls: ${sls:stage}
  region: ${opt:region}
  other: ${opt:color, 'blue'}
"""
    doc, _ = _resolve(tmp_path, text)
    assert doc["provider"]["stage"] == "dev"
    assert doc["custom"] == {"stage": "dev", "sls": "dev", "region": "eu-west-1", "other": "blue"}
    doc, _ = _resolve(tmp_path, text, stage="prod", region="ap-south-1", extra={"color": "red"})
    assert doc["provider"]["stage"] == "prod"
    assert doc["custom"] == {"stage": "prod", "sls": "prod", "region": "ap-south-1", "other": "red"}


def test_sls_stage_follows_provider_stage_and_instance_id_is_a_stable_placeholder(tmp_path):
    doc, notes = _resolve(tmp_path, """
service: s
provider:
  name: aws
  stage: qa
custom:
  name: app-${sls:stage}
  instance: ${sls:instanceId}
""")
    assert doc["custom"]["name"] == "app-qa"
    assert doc["custom"]["instance"] == "${sls:instanceId}"
    assert notes == []


def test_env_with_default_and_missing(tmp_path):
    doc, notes = _resolve(tmp_path, """
service: s
provider: {name: aws}
custom:
  set: ${env:FNG_SET}
  fallback: ${env:FNG_UNSET, 'local'}
  nullable: ${env:FNG_UNSET, null}
  missing: ${env:FNG_UNSET}
""", env={"FNG_SET": "value"})
    assert doc["custom"]["set"] == "value"
    assert doc["custom"]["fallback"] == "local"
    assert doc["custom"]["nullable"] is None
    assert doc["custom"]["missing"] == "${env:FNG_UNSET}"
    assert len(notes) == 1 and "env:FNG_UNSET" in notes[0]


def test_env_reads_os_environ_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("FNG_FROM_OS", "yes")
    doc, _ = _resolve(tmp_path, "service: s\nprovider: {name: aws}\ncustom: {v: '${env:FNG_FROM_OS}'}\n")
    assert doc["custom"]["v"] == "yes"


def test_file_sources_yaml_json_text_and_addresses(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "env.yml").write_text("dev:\n  table: t-dev\n  owner: ${self:service}\n")
    (tmp_path / "secrets.json").write_text(json.dumps({"KEY": "k1", "deep": {"x": 1}}))
    (tmp_path / "public_key").write_text("-----BEGIN KEY-----\n")
    doc, notes = _resolve(tmp_path, """
service: s
provider: {name: aws}
custom:
  table: ${file(./config/env.yml):${sls:stage}.table}
  owner: ${file(./config/env.yml):dev.owner}
  all: ${file(./secrets.json)}
  key: ${file(./secrets.json):KEY}
  deep: ${file(./secrets.json):deep.x}
  pem: ${file(./public_key)}
""")
    assert doc["custom"]["table"] == "t-dev"
    assert doc["custom"]["owner"] == "s"  # self: inside an included file is the service file
    assert doc["custom"]["all"] == {"KEY": "k1", "deep": {"x": 1}}
    assert doc["custom"]["key"] == "k1"
    assert doc["custom"]["deep"] == 1
    assert doc["custom"]["pem"] == "-----BEGIN KEY-----\n"
    assert notes == []


def test_missing_file_is_a_warning_and_a_placeholder_or_the_fallback(tmp_path):
    doc, notes = _resolve(tmp_path, """
service: s
provider: {name: aws}
custom:
  plain: ${file(./nope.yml):KEY}
  withFallback: ${file(./nope.yml):KEY, ''}
  jsModule: ${file(./config.js):value}
""")
    assert doc["custom"]["plain"] == "${file(./nope.yml):KEY}"
    assert doc["custom"]["withFallback"] == ""
    assert doc["custom"]["jsModule"] == "${file(./config.js):value}"
    warnings = [n for n in notes if not n.startswith("info:")]
    assert len(warnings) == 1 and "nope.yml" in warnings[0] and "not found" in warnings[0]
    assert any("config.js" in n for n in notes)


def test_aws_region_and_account_id(tmp_path):
    doc, _ = _resolve(tmp_path, """
service: s
provider: {name: aws, region: eu-central-1}
custom:
  arn: arn:aws:dynamodb:${aws:region}:${aws:accountId}:table/t
""")
    assert doc["custom"]["arn"] == f"arn:aws:dynamodb:eu-central-1:{ACCOUNT_ID}:table/t"


def test_str_to_bool(tmp_path):
    doc, _ = _resolve(tmp_path, """
service: s
provider: {name: aws}
custom:
  flag: 'true'
  a: ${strToBool(${self:custom.flag})}
  b: ${strToBool(false)}
  c: ${strToBool(0)}
""")
    assert doc["custom"]["a"] is True
    assert doc["custom"]["b"] is False
    assert doc["custom"]["c"] is False


def test_nested_variables_pick_a_key_by_stage(tmp_path):
    text = """
service: s
provider: {name: aws}
custom:
  dev: {table: dev-table}
  prod: {table: prod-table}
  table: ${self:custom.${opt:stage, 'dev'}.table}
"""
    assert _resolve(tmp_path, text)[0]["custom"]["table"] == "dev-table"
    assert _resolve(tmp_path, text, stage="prod")[0]["custom"]["table"] == "prod-table"


def test_fallback_chain_literals_numbers_and_booleans(tmp_path):
    doc, notes = _resolve(tmp_path, """
service: s
provider: {name: aws}
custom:
  present: here
  chain: ${opt:nothing, env:FNG_NONE, self:custom.present}
  literal: ${opt:nothing, "double quoted"}
  number: ${opt:nothing, 30}
  decimal: ${opt:nothing, 0.5}
  boolean: ${opt:nothing, false}
  missingSelf: ${self:custom.absent, 'default'}
""", env={})
    assert doc["custom"]["chain"] == "here"
    assert doc["custom"]["literal"] == "double quoted"
    assert doc["custom"]["number"] == 30
    assert doc["custom"]["decimal"] == 0.5
    assert doc["custom"]["boolean"] is False
    assert doc["custom"]["missingSelf"] == "default"
    assert notes == []


def test_variables_embedded_in_strings(tmp_path):
    doc, _ = _resolve(tmp_path, """
service: shop
provider: {name: aws, stage: prod}
custom:
  port: 8080
  url: https://${self:service}-${sls:stage}.example.com:${self:custom.port}/v1
""")
    assert doc["custom"]["url"] == "https://shop-prod.example.com:8080/v1"


@pytest.mark.parametrize(
    "variable, source",
    [
        ("${ssm:/app/secret}", "ssm"),
        ("${ssm(us-east-1):/app/secret}", "ssm"),
        ("${cf:other-stack.Output}", "cf"),
        ("${s3:bucket/key}", "s3"),
        ("${param:missing}", "param"),
        ("${construct:jobs.queueUrl}", "construct"),
        ("${myPlugin:thing}", "myPlugin"),
    ],
)
def test_unresolvable_sources_stay_visible_with_an_info_note(tmp_path, variable, source):
    doc, notes = _resolve(tmp_path, f"service: s\nprovider: {{name: aws}}\ncustom:\n  v: 'prefix-{variable}'\n")
    assert doc["custom"]["v"] == f"prefix-{variable}"
    assert len(notes) == 1
    assert notes[0].startswith("info:") and f"'{source}:'" in notes[0] and "serverless.yml" in notes[0]


def test_unresolvable_source_with_fallback_uses_the_fallback(tmp_path):
    doc, notes = _resolve(tmp_path, "service: s\nprovider: {name: aws}\ncustom:\n  v: ${ssm:/x, 'fallback'}\n")
    assert doc["custom"]["v"] == "fallback"
    assert notes == []


def test_params_block_by_stage_then_default(tmp_path):
    text = """
service: s
provider: {name: aws}
params:
  default: {domain: dev.example.com, shared: both}
  prod: {domain: example.com}
custom:
  domain: ${param:domain}
  shared: ${param:shared}
"""
    assert _resolve(tmp_path, text)[0]["custom"] == {"domain": "dev.example.com", "shared": "both"}
    assert _resolve(tmp_path, text, stage="prod")[0]["custom"] == {"domain": "example.com", "shared": "both"}


def test_cloudformation_sub_placeholders_are_left_alone(tmp_path):
    doc, notes = _resolve(tmp_path, """
service: s
provider: {name: aws}
custom:
  arn: !Sub "arn:${AWS::Partition}:s3:::${Bucket}/${Bucket.Arn}/${self:service}"
""")
    assert doc["custom"]["arn"] == {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}/${Bucket.Arn}/s"}
    assert notes == []


def test_circular_self_reference_is_an_input_error_naming_file_and_cycle(tmp_path):
    with pytest.raises(InputError) as error:
        _resolve(tmp_path, """
service: s
provider: {name: aws}
custom:
  a: ${self:custom.b}
  b: x-${self:custom.c}
  c: ${self:custom.a}
""")
    message = str(error.value)
    assert "serverless.yml" in message and "circular" in message
    assert "custom.a" in message and "custom.b" in message and "custom.c" in message
    assert "\n" not in message


def test_self_reference_to_itself_is_a_cycle(tmp_path):
    with pytest.raises(InputError, match="circular"):
        _resolve(tmp_path, "service: ${self:service}\nprovider: {name: aws}\n")


def test_resolved_document_keeps_lines(tmp_path):
    doc, _ = _resolve(tmp_path, "service: s\nprovider:\n  name: aws\ncustom:\n  x: ${self:service}\n")
    assert isinstance(doc, LineDict)
    assert line_of(doc, "custom") == 4
    assert line_of(doc["custom"], "x") == 5


def test_resolver_resolves_loose_values(tmp_path):
    path = tmp_path / "serverless.yml"
    resolver = Resolver({"service": "svc", "provider": {"name": "aws"}}, path, Options(stage="beta"))
    assert resolver.resolve(["${self:service}", {"k": "${sls:stage}"}]) == ["svc", {"k": "beta"}]
    assert resolver.stage == "beta"
    assert resolver.region == "us-east-1"


def test_file_variable_naming_this_very_file_reads_the_document(tmp_path):
    doc, notes = _resolve(tmp_path, "service: self-ref\nprovider: {name: aws}\n"
                          "custom:\n  name: ${file(./serverless.yml):service}-x\n")
    assert doc["custom"]["name"] == "self-ref-x"
    assert notes == []


def test_v4_stage_params_and_cli_params(tmp_path):
    text = """
service: s
provider: {name: aws}
stages:
  default:
    params: {domain: dev.example.com, tier: free}
  prod:
    params: {domain: example.com}
custom:
  domain: ${param:domain}
  tier: ${param:tier}
"""
    assert _resolve(tmp_path, text, stage="prod")[0]["custom"] == {"domain": "example.com", "tier": "free"}
    doc, _ = _resolve(tmp_path, text, params={"tier": "paid"})
    assert doc["custom"] == {"domain": "dev.example.com", "tier": "paid"}


def test_broken_included_file_is_a_warning_not_an_error(tmp_path):
    (tmp_path / "bad.yml").write_text("key: [unclosed\n")
    doc, notes = _resolve(tmp_path, "service: s\nprovider: {name: aws}\ncustom:\n  v: ${file(./bad.yml):key, 'fallback'}\n"
                          "  w: ${file(./bad.yml):key}\n")
    assert doc["custom"] == {"v": "fallback", "w": "${file(./bad.yml):key}"}
    (warning,) = [n for n in notes if not n.startswith("info:")]
    assert "bad.yml" in warning and "invalid YAML" in warning and "\n" not in warning


def test_provider_stage_and_region_from_options_without_fallback(tmp_path):
    text = """
service: s
provider:
  name: aws
  stage: ${opt:stage}
  region: ${opt:region}
custom:
  file: config/${self:provider.stage}.yml
  region: ${self:provider.region}
"""
    doc, _ = _resolve(tmp_path, text)
    assert (doc["provider"]["stage"], doc["provider"]["region"]) == ("dev", "us-east-1")
    assert doc["custom"] == {"file": "config/dev.yml", "region": "us-east-1"}
    doc, _ = _resolve(tmp_path, text, stage="prod", region="eu-west-3")
    assert doc["custom"] == {"file": "config/prod.yml", "region": "eu-west-3"}


def test_unquoted_fallback_is_a_literal(tmp_path):
    doc, notes = _resolve(tmp_path, "service: s\nprovider:\n  name: aws\n  region: ${opt:region, us-west-1}\n"
                          "custom:\n  stage: ${opt:stage, dev-2}\n")
    assert doc["provider"]["region"] == "us-west-1" and doc["custom"]["stage"] == "dev-2"
    assert notes == []


def test_pseudo_parameters_plugin_syntax(tmp_path):
    text = ("service: s\nplugins: [serverless-pseudo-parameters]\nprovider: {name: aws, region: eu-west-1}\n"
            "custom:\n  arn: 'arn:#{AWS::Partition}:ssm:#{AWS::Region}:#{AWS::AccountId}:parameter/x/#{Other}'\n")
    doc, _ = _resolve(tmp_path, text)
    assert doc["custom"]["arn"] == f"arn:aws:ssm:eu-west-1:{ACCOUNT_ID}:parameter/x/#{{Other}}"
    doc, _ = _resolve(tmp_path, text.replace("plugins: [serverless-pseudo-parameters]", "plugins: []"))
    assert doc["custom"]["arn"].startswith("arn:#{AWS::Partition}")  # only with the plugin


def test_included_file_may_refer_to_its_own_keys_through_self(tmp_path):
    (tmp_path / "custom.yml").write_text("base: orders\ntable: ${self:custom.base}-${sls:stage}\n"
                                         "arn: arn:aws:dynamodb:*:*:table/${self:custom.table}\n")
    doc, notes = _resolve(tmp_path, "service: s\nprovider: {name: aws}\ncustom: ${file(./custom.yml)}\n"
                          "functions:\n  f:\n    environment: {T: '${self:custom.table}'}\n")
    assert doc["custom"] == {"base": "orders", "table": "orders-dev", "arn": "arn:aws:dynamodb:*:*:table/orders-dev"}
    assert doc["functions"]["f"]["environment"]["T"] == "orders-dev"
    assert notes == []


def test_cycle_inside_an_included_file_is_reported(tmp_path):
    (tmp_path / "custom.yml").write_text("a: ${self:custom.b}\nb: ${self:custom.a}\n")
    with pytest.raises(InputError, match="circular"):
        _resolve(tmp_path, "service: s\nprovider: {name: aws}\ncustom: ${file(./custom.yml)}\n")
