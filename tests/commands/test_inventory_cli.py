"""Inventory: the same app written for SAM and for the Serverless Framework reads the same."""

from __future__ import annotations

from fnguard.load import load_path


def _skeleton(path):
    (app,) = load_path(path)
    return {
        f.name: {
            "runtime": f.runtime, "memory": f.memory, "timeout": f.timeout,
            "handler": f.handler, "public": f.is_public,
            "triggers": sorted((t.type, t.public, t.auth) for t in f.triggers),
            "handler_file": f.handler_file and f.handler_file.split("/")[-1],
        }
        for f in app.functions
    }


def test_sam_and_serverless_forms_give_the_same_inventory(examples):
    serverless = _skeleton(examples / "orders-api/vulnerable")
    sam = _skeleton(examples / "orders-api/sam-vulnerable")
    assert set(serverless) == {"createOrder", "getOrder", "exportReport", "paymentWorker", "webhook"}
    assert serverless == sam


def test_example_triggers_match_the_template(examples):
    skeleton = _skeleton(examples / "media-pipeline/vulnerable")
    assert skeleton["UploadUrlFunction"]["triggers"] == [("httpApi", True, "none")]
    assert [t[0] for t in skeleton["ThumbnailFunction"]["triggers"]] == ["s3"]
    assert [t[0] for t in skeleton["AnalyticsFunction"]["triggers"]] == ["kinesis"]
    assert [t[0] for t in skeleton["CleanupFunction"]["triggers"]] == ["schedule"]
    fixed = _skeleton(examples / "media-pipeline/fixed")
    assert fixed["UploadUrlFunction"]["triggers"] == [("httpApi", False, "jwt")]  # needs a token: not public
